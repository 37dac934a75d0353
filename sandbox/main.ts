import { Command } from 'commander';
import { startSandbox } from './server';

/** `npm run sandbox`: a standalone sandbox for manual runs, the demo and benchmarks. */
async function main(): Promise<void> {
  const program = new Command()
    .name('sandbox')
    .description('Stateful fake of the WeChat / Douyin / Baidu credential APIs')
    .option('--port <port>', 'port to listen on', '8090')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--scale <n>', 'time scale: platform durations are divided by n', '1')
    .option('--seed <n>', 'rng seed (random when absent)')
    .option('--manual-clock', 'clock moves only via POST /__sandbox/clock/advance')
    .option('--log', 'log every request')
    .parse();
  const opts = program.opts<{
    port: string;
    host: string;
    scale: string;
    seed?: string;
    manualClock?: boolean;
    log?: boolean;
  }>();
  const sandbox = await startSandbox({
    port: Number(opts.port),
    host: opts.host,
    timeScale: Number(opts.scale),
    seed: opts.seed === undefined ? undefined : Number(opts.seed),
    manualClock: opts.manualClock ?? false,
    logger: opts.log ?? false,
  });
  console.log(`sandbox listening on ${sandbox.url} (scale ${opts.scale}, seed ${sandbox.core.rng.seed})`);
  const stop = (): void => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
