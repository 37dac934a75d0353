/** A bare Fastify route returning a constant token body; `bench:read` measures the gateway against it. */
import Fastify from 'fastify';

const body = { access_token: 'x'.repeat(136), expires_at: new Date(Date.now() + 3_600_000).toISOString(), version: 1 };
const app = Fastify();
app.get('/v1/tokens/app/wechat/:appid', async () => body);
app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) }).then(
  (url) => process.stdout.write(`${url}\n`),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
