/**
 * `npm run bench:scale`: a fleet of WeChat own apps on this machine, measured as a user runs it.
 * Starts its own Temporal dev server and a standalone sandbox, registers the apps through the
 * normal configuration of one worker process and one gateway process (`npm start -- --role …`),
 * then reads uniformly at random across the fleet from a separate load-generator process.
 * Prints: seconds until all are active, time to the gateway's first answer, worker and gateway RSS,
 * read p50/p99, upstream token calls against the minimum, reads rejected by the sandbox's business
 * API, expired tokens served, and history events / Temporal actions per credential per day.
 *
 *   npm run bench:scale -- --apps 10000 --time-scale 60 --duration 120 --connections 50
 */
import { randomBytes } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { Command } from 'commander';
import { request } from 'undici';
import { inPool } from '../client/fleet-registration';
import { freePort } from '../scripts/dev-server';
import { runLoad, startBenchFleet } from './processes';

const EventType = temporal.api.enums.v1.EventType;
/** Events Temporal Cloud bills as actions (an estimate: starts, activities, timers, signals, updates, upserts). */
const BILLED = new Set([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  EventType.EVENT_TYPE_TIMER_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
]);

const opts = new Command('bench:scale')
  .option('--apps <n>', 'WeChat own apps in the fleet', '1000')
  .option('--time-scale <n>', 'sandbox clock speed-up (7200 s tokens live 7200/n s)', '60')
  .option('--duration <s>', 'seconds of uniformly random reads after all are active', '60')
  .option('--connections <n>', 'concurrent readers', '50')
  .option('--mode <mode>', 'stable or basic', 'stable')
  .parse()
  .opts<{ apps: string; timeScale: string; duration: string; connections: string; mode: string }>();
const APPS = Number(opts.apps);
const SCALE = Number(opts.timeScale);
const LIFETIME_S = 7200 / SCALE;

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  const fleet = await startBenchFleet(SCALE);
  const { control, client } = fleet;
  try {
    const secret = randomBytes(16).toString('hex');
    const appids = Array.from({ length: APPS }, (_, i) => `wxbench${String(i).padStart(9, '0')}`);
    await inPool(appids, 32, async (appid) => void (await control.createWechatApp({ appid, secret })));
    const config = {
      apps: appids.map((appid) => ({ platform: 'wechat', appid, mode: opts.mode, secret: { env: 'BENCH_SECRET' } })),
    };
    const gatewayPort = await freePort();
    const env = { BENCH_SECRET: secret, GATEWAY_PORT: String(gatewayPort) };
    const cpuAtStart = { temporal: fleet.temporalCpuSeconds(), sandbox: fleet.sandbox.cpuSeconds() };
    const started = Date.now();
    const [worker, gateway] = await Promise.all([
      fleet.start('worker', config, env),
      fleet.start('gateway', config, env),
    ]);
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    let firstAnswer: number | undefined;
    let active = 0;
    while (active < APPS) {
      if (firstAnswer === undefined) {
        const response = await request(`${gatewayUrl}/v1/tokens/app/wechat/${appids[0]}`).catch(() => undefined);
        await response?.body.dump();
        if (response) firstAnswer = Date.now() - started;
      }
      const count = (await client.workflow.count("TokenKind = 'app' AND TokenStatus = 'active'")).count;
      if (Math.floor(count / (APPS / 10)) > Math.floor(active / (APPS / 10))) {
        console.log(`  ${seconds(Date.now() - started)}: ${count} active`);
      }
      active = count;
      if (Date.now() - started > 30 * 60_000) throw new Error(`only ${active} of ${APPS} active after 30 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    const allActive = Date.now() - started;
    const bootCpu = {
      temporal: fleet.temporalCpuSeconds() - cpuAtStart.temporal,
      worker: worker.cpuSeconds(),
      gateway: gateway.cpuSeconds(),
      sandbox: fleet.sandbox.cpuSeconds() - cpuAtStart.sandbox,
    };
    console.log(
      `${APPS} apps active ${seconds(allActive)} after start (gateway answered after ${seconds(firstAnswer ?? 0)})`,
    );

    // Steady state: every app read once (the gateway's cache filled), then measured.
    await inPool(appids, 50, async (appid) => {
      const response = await request(`${gatewayUrl}/v1/tokens/app/wechat/${appid}`);
      await response.body.dump();
    });
    const load = await runLoad({
      baseUrl: gatewayUrl,
      paths: appids.map((appid) => `/v1/tokens/app/wechat/${appid}`),
      connections: Number(opts.connections),
      durationSeconds: Number(opts.duration),
      businessUrl: fleet.sandbox.url,
      businessEvery: 50,
    });
    const elapsedS = (Date.now() - started) / 1000;
    const rss = { worker: worker.rssBytes(), gateway: gateway.rssBytes() };
    const stats = (await control.stats()) as { upstreamCalls: Record<string, number>; invalidTokenUses: number };
    const tokenEndpoint = opts.mode === 'stable' ? '/cgi-bin/stable_token' : '/cgi-bin/token';
    const upstream = Object.entries(stats.upstreamCalls)
      .filter(([key]) => key.startsWith(`wechat ${tokenEndpoint} `))
      .reduce((sum, [, count]) => sum + count, 0);
    // One token per app per lifetime it lived through: at least one, plus one per lifetime since all were active.
    const minimum = APPS * Math.max(1, Math.ceil((elapsedS - allActive / 1000) / LIFETIME_S));

    // History cost, from a sample of the histories this run produced (every run of each workflow).
    const sample = appids.filter((_, i) => i % Math.max(1, Math.floor(APPS / 25)) === 0);
    let events = 0;
    let actions = 0;
    for (const appid of sample) {
      for await (const run of client.workflow.list({ query: `WorkflowId = 'app/wechat/${appid}'` })) {
        const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
        for (const event of history.events ?? []) {
          events++;
          if (BILLED.has(event.eventType!)) actions++;
        }
      }
    }
    const platformDays = (elapsedS * SCALE) / 86_400;
    const perDay = (n: number) => (n / sample.length / platformDays).toFixed(0);

    console.log(`\nbench:scale — ${APPS} apps (${opts.mode}), time ×${SCALE} (tokens live ${LIFETIME_S} s), 2 cores\n`);
    const rows: [string, string][] = [
      ['start → all active', seconds(allActive)],
      ['start → gateway answers', seconds(firstAnswer ?? 0)],
      [
        'CPU seconds until all active',
        `Temporal ${bootCpu.temporal.toFixed(0)}, worker ${bootCpu.worker.toFixed(0)}, gateway ${bootCpu.gateway.toFixed(0)}, sandbox ${bootCpu.sandbox.toFixed(0)}`,
      ],
      ['worker RSS', mb(rss.worker)],
      ['gateway RSS', mb(rss.gateway)],
      ['worker + gateway RSS', mb(rss.worker + rss.gateway)],
      [
        `reads (${opts.connections} connections, ${opts.duration} s, uniform)`,
        `${load.requests} at ${load.rps.toFixed(0)} req/s`,
      ],
      ['read latency', `p50 ${load.p50} ms   p99 ${load.p99} ms`],
      ['reads not answered 200', String(load.non2xx + load.errors)],
      ['upstream token calls / minimum', `${upstream} / ${minimum} = ${(upstream / minimum).toFixed(3)}`],
      ['reads rejected by the business API', `${load.businessRejected} of ${load.businessChecks} checked`],
      ['invalid token uses (sandbox)', String(stats.invalidTokenUses)],
      ['expired tokens served', String(load.expiredServed)],
      ['history events / credential / day', perDay(events)],
      ['Temporal actions / credential / day', perDay(actions)],
    ];
    for (const [name, value] of rows) console.log(`${name.padEnd(42)} ${value}`);
    console.log('');
  } finally {
    await fleet.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
