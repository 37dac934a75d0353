/**
 * `npm run bench:read`: gateway token reads against a bare Fastify route returning a constant,
 * measured in the same run on the same machine, so the ratios mean something on a noisy host.
 * Also the latency of a Temporal `token` query (what a cache miss costs).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, DefaultLogger } from '@temporalio/worker';
import Fastify from 'fastify';
import { buildGateway } from '../gateway/app';
import { registerApp } from '../client/credentials';
import { TokenClient } from '../client/token-client';
import { startSandbox } from '../sandbox';
import { startDevServer } from '../scripts/dev-server';
import { createKeyRing } from '../codec/codec';
import { createDataConverter } from '../codec/data-converter';
import { appWorkflowId } from '../workflows/credential-ids';
import { tokenQuery } from '../workflows/messages';
import { allPlatformsAt, createWorker } from '../worker/worker';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

async function load(url: string) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startDevServer();
  const sandbox = await startSandbox({ timeScale: 1, seed: 1 });
  const dataConverter = createDataConverter(createKeyRing('bench', [['bench', randomBytes(32)]]));
  const taskQueue = `bench-${randomUUID()}`;
  const secrets: Record<string, string> = {};
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, dataConverter });
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const worker = await createWorker({
    connection: nativeConnection,
    client,
    taskQueue,
    dataConverter,
    platforms: allPlatformsAt(sandbox.url),
    env: secrets,
  });
  const running = worker.run();

  const app = await sandbox.control.createWechatApp();
  secrets.BENCH_SECRET = app.secret;
  await registerApp(
    { client, taskQueue },
    {
      platform: 'wechat',
      appid: app.appid,
      mode: 'stable',
      secret: { env: 'BENCH_SECRET' },
    },
  );
  const tokens = new TokenClient(client);
  const ref = { kind: 'app', platform: 'wechat', appid: app.appid } as const;
  for (let i = 0; ; i++) {
    try {
      await tokens.getToken(ref);
      break;
    } catch (err) {
      if (i > 200) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const token = await tokens.getToken(ref);

  const gateway = buildGateway({ client, tokens, taskQueue });
  const gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  const bare = Fastify();
  const constant = { access_token: token.accessToken, expires_at: new Date(token.expiresAt).toISOString(), version: 1 };
  bare.get('/token', async () => constant);
  const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

  await load(`${bareUrl}/token`); // warm-up both, then measure
  const baseline = await load(`${bareUrl}/token`);
  const gatewayResult = await load(`${gatewayUrl}/v1/tokens/app/wechat/${app.appid}`);

  const handle = client.workflow.getHandle(appWorkflowId('wechat', app.appid));
  const queryMs: number[] = [];
  for (let i = 0; i < 300; i++) {
    const started = performance.now();
    await handle.query(tokenQuery);
    queryMs.push(performance.now() - started);
  }
  queryMs.sort((a, b) => a - b);

  const row = (name: string, r: { rps: number; p50: number; p99: number }) =>
    `${name.padEnd(28)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${r.p50.toFixed(1).padStart(6)} ms   p99 ${r.p99.toFixed(1).padStart(6)} ms`;
  console.log(`\n${CONNECTIONS} connections, ${DURATION_S} s each, one machine (load generator in-process)\n`);
  console.log(row('bare Fastify constant', baseline));
  console.log(row('gateway GET token', gatewayResult));
  console.log(
    `\nratio gateway / bare:  throughput ${(gatewayResult.rps / baseline.rps).toFixed(2)}   p99 latency ${(gatewayResult.p99 / Math.max(baseline.p99, 0.1)).toFixed(2)}`,
  );
  console.log(
    `Temporal token query (cache miss), 300 sequential: p50 ${percentile(queryMs, 50).toFixed(2)} ms   p99 ${percentile(queryMs, 99).toFixed(2)} ms`,
  );
  console.log(`upstream token calls during the run: ${(await sandbox.control.calls({ appid: app.appid })).total}\n`);

  await gateway.close();
  await bare.close();
  worker.shutdown();
  await running;
  await connection.close();
  await nativeConnection.close();
  await sandbox.close();
  await server.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
