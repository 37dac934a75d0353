/**
 * `npm run bench:chaos`: the whole service SIGKILLed at random moments and restarted, with dropped
 * and garbled answers to its single-use calls, against a Temporal dev server and a sandbox that
 * stay up (bench/chaos-run.ts). Prints refresh tokens lost, codes exchanged twice, credentials
 * ending reauth_required and the longest stretch without a valid token against one refresh margin;
 * exits 1 when a target is missed.
 *
 *   npm run bench:chaos -- --kills 100 --seed 7
 */
import { Command } from 'commander';
import { DEFAULT_CHAOS_OPTIONS, formatChaosReport, runChaos } from './chaos-run';

const d = DEFAULT_CHAOS_OPTIONS;
const opts = new Command('bench:chaos')
  .option('--kills <n>', 'SIGKILLs of the service, each followed by a restart', String(d.kills))
  .option('--seed <n>', 'seed of every random choice (default: random, printed)')
  .option('--authorizers <n>', 'Douyin and Baidu authorizers each', String(d.authorizersPerPlatform))
  .option('--time-scale <n>', 'sandbox clock speed-up (tickets, codes, component tokens)', String(d.timeScale))
  .option('--token-lifetime <s>', 'real seconds an authorizer access token lives', String(d.tokenLifetimeS))
  .option('--up <min,max>', 'real seconds the service runs between restart and kill', d.upSeconds.join(','))
  .option('--fault-chance <p>', 'chance per kill of arming a drop/garble fault', String(d.faultChance))
  .option('--refresh-chance <p>', 'chance per kill of a passive refresh through the gateway', String(d.refreshChance))
  .option(
    '--reauthorize-chance <p>',
    'chance per kill of a re-authorization (a code to exchange)',
    String(d.reauthorizeChance),
  )
  .option('--sticky-timeout <ms>', "the service's worker.stickyQueueScheduleToStartTimeout (default: its own)")
  .option('--poll <ms>', 'how often each token is read and checked', String(d.pollMs))
  .parse()
  .opts<Record<string, string | undefined>>();

async function main() {
  const seed = opts.seed !== undefined ? Number(opts.seed) : Math.floor(Math.random() * 1_000_000);
  const [upMin, upMax] = opts.up!.split(',').map(Number);
  console.log(`bench:chaos — seed ${seed} (replay the same choices with --seed ${seed})`);
  const report = await runChaos({
    seed,
    kills: Number(opts.kills),
    authorizersPerPlatform: Number(opts.authorizers),
    timeScale: Number(opts.timeScale),
    tokenLifetimeS: Number(opts.tokenLifetime),
    upSeconds: [upMin!, upMax!],
    faultChance: Number(opts.faultChance),
    refreshChance: Number(opts.refreshChance),
    reauthorizeChance: Number(opts.reauthorizeChance),
    pollMs: Number(opts.poll),
    ...(opts.stickyTimeout !== undefined ? { stickyTimeoutMs: Number(opts.stickyTimeout) } : {}),
    log: (line) => console.log(`  ${line}`),
  });
  console.log(`\n${formatChaosReport(report)}\n`);
  process.exit(report.missed.length > 0 ? 1 : 0);
}

// Ctrl-C: exit at once; the orphan guards stop the dev server, the sandbox and the service.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});
