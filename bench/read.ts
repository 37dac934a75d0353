/**
 * `npm run bench:read`: gateway token reads against a bare Fastify route returning a constant,
 * measured in the same run on the same machine, so the ratios mean something on a noisy host.
 * The gateway runs as `npm start` runs it (its own process, request logging, API keys on); the
 * bare route runs in its own process; the load generator (autocannon) runs in a third.
 * Also the latency of a memo read with describe (what a cache miss costs).
 *
 *   BENCH_SECONDS=10 BENCH_CONNECTIONS=50 npm run bench:read
 */
import { request } from 'undici';
import { generateApiKey } from '../gateway/plugins/auth';
import { freePort } from '../scripts/dev-server';
import { appWorkflowId } from '../workflows/credential-ids';
import type { LoadResult } from './load-generator';
import { runLoad, startBareRoute, startBenchFleet } from './processes';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main() {
  const fleet = await startBenchFleet(1);
  const bare = await startBareRoute();
  try {
    const app = await fleet.control.createWechatApp();
    const apiKey = generateApiKey();
    const gatewayPort = await freePort();
    await fleet.start(
      'all',
      {
        apps: [{ platform: 'wechat', appid: app.appid, mode: 'stable', secret: { env: 'BENCH_SECRET' } }],
        // A key as a busy service holds it: its rate limit well above what the run asks.
        gateway: {
          apiKeys: [
            {
              name: 'bench',
              hash: apiKey.hash,
              scopes: ['read'],
              rateLimit: { burst: 1_000_000, perSecond: 1_000_000 },
            },
          ],
        },
      },
      { BENCH_SECRET: app.secret, GATEWAY_PORT: String(gatewayPort), LOG_LEVEL: 'info' },
    );
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const path_ = `/v1/tokens/app/wechat/${app.appid}`;
    const headers = { authorization: `Bearer ${apiKey.key}` };
    for (let i = 0; ; i++) {
      const response = await request(`${gatewayUrl}${path_}`, { headers });
      await response.body.dump();
      if (response.statusCode === 200) break;
      if (i > 300) throw new Error(`gateway answers ${response.statusCode}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const load = (baseUrl: string) =>
      runLoad({ baseUrl, paths: [path_], connections: CONNECTIONS, durationSeconds: DURATION_S, headers });
    await load(bare.url); // warm-up both, then measure
    await load(gatewayUrl);
    const baseline = await load(bare.url);
    const gateway = await load(gatewayUrl);

    const handle = fleet.client.workflow.getHandle(appWorkflowId('wechat', app.appid));
    const describeMs: number[] = [];
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      await handle.describe();
      describeMs.push(performance.now() - started);
    }
    describeMs.sort((a, b) => a - b);

    const row = (name: string, r: LoadResult) =>
      `${name.padEnd(34)} ${r.rps.toFixed(0).padStart(8)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms   non-2xx ${r.non2xx + r.errors}`;
    console.log(
      `\n${CONNECTIONS} connections, ${DURATION_S} s each; load generator, gateway and bare route in separate processes\n`,
    );
    console.log(row('bare Fastify constant', baseline));
    console.log(row('gateway GET token (npm start)', gateway));
    console.log(
      `\nratio gateway / bare:  throughput ${(gateway.rps / baseline.rps).toFixed(2)}   p99 latency ${(gateway.p99 / Math.max(baseline.p99, 1)).toFixed(2)}`,
    );
    console.log(
      `memo read with describe (a cache miss), 300 sequential: p50 ${percentile(describeMs, 50).toFixed(2)} ms   p99 ${percentile(describeMs, 99).toFixed(2)} ms`,
    );
    console.log(
      `upstream token calls during the run: ${(await fleet.control.calls({ appid: app.appid, endpoint: '/cgi-bin/stable_token' })).total}\n`,
    );
  } finally {
    bare.stop();
    await fleet.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
