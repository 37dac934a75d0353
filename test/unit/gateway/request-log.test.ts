/**
 * The gateway's request log (gateway/plugins/request-log.ts): one line per request after the answer,
 * naming the route and the path without its query string; successful token reads at debug, so a busy
 * gateway spends its CPU on answers; everything else (errors, admin, pushes) at info.
 */
import { Writable } from 'node:stream';
import Fastify, { LogController } from 'fastify';
import { request } from 'undici';
import { createLogger } from '../../../config/logging';
import { requestLogPlugin } from '../../../gateway/plugins/request-log';

async function gatewayWithLog() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const app = Fastify({
    loggerInstance: createLogger({ destination, level: 'debug' }),
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(requestLogPlugin);
  app.get('/v1/tokens/app/:platform/:appid', { config: { scope: 'read' } }, async () => ({ ok: true }));
  app.get('/v1/apps', { config: { scope: 'admin' } }, async () => ({ apps: [] }));
  app.get('/v1/broken', { config: { scope: 'read' } }, async (_request, reply) => reply.status(503).send({}));
  return { app, requests: () => lines.filter((line) => line.msg === 'request') };
}

it('logs one line per request: token reads at debug, errors and other routes at info, never the query string', async () => {
  const { app, requests } = await gatewayWithLog();
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  for (const path of ['/v1/tokens/app/wechat/wx1234?signature=s3cr3t', '/v1/apps', '/v1/broken?code=c0de']) {
    await (await request(`${url}${path}`)).body.dump();
  }
  await app.close(); // onResponse hooks run after the answer went out: let them finish

  expect(requests()).toHaveLength(3);
  const [read, admin, failed] = requests();
  expect(read).toMatchObject({
    level: 20,
    method: 'GET',
    route: '/v1/tokens/app/:platform/:appid',
    path: '/v1/tokens/app/wechat/wx1234',
    statusCode: 200,
  });
  expect(admin).toMatchObject({ level: 30, route: '/v1/apps', statusCode: 200 });
  expect(failed).toMatchObject({ level: 30, path: '/v1/broken', statusCode: 503 });
  expect(JSON.stringify(requests())).not.toMatch(/s3cr3t|c0de/);
});
