/**
 * `npm start`: the whole server in one command.
 *
 * With TEMPORAL_ADDRESS unset it runs the embedded default: a Temporal dev server persisting
 * under .data/ with the Web UI, then the worker. With TEMPORAL_ADDRESS set it starts no server
 * and connects there. Ctrl-C (or SIGTERM) stops everything, in reverse order.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { ConfigError, loadConfig } from '../worker/config';
import { createLogger, temporalLogger } from '../worker/logging';
import { ensureSearchAttributes } from '../worker/search-attribute-registration';
import { createWorker } from '../worker/worker';
import { startDevServer, type DevServer } from './dev-server';

const log = createLogger({ name: 'start' });

async function main() {
  const config = loadConfig();
  Runtime.install({ logger: temporalLogger(createLogger({ name: 'temporal', level: 'warn' })), shutdownSignals: [] });

  const stack: Array<{ name: string; stop: () => Promise<void> }> = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const { name, stop } of stack.reverse()) {
        try {
          await stop();
        } catch (err) {
          log.error({ err }, `stopping ${name} failed`);
        }
      }
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log.info(`${signal} received, stopping`);
      void stopAll().then(() => process.exit(0));
    });
  }

  let connectionOptions = config.temporalConnection;
  if (!connectionOptions) {
    mkdirSync(config.dataDir, { recursive: true });
    const server: DevServer = await startDevServer({
      port: config.temporal.devServerPort,
      uiPort: config.temporal.uiPort,
      dbFile: path.join(config.dataDir, 'temporal.db'),
      namespace: config.temporal.namespace,
    });
    stack.push({ name: 'Temporal dev server', stop: () => server.stop() });
    connectionOptions = { address: server.address };
    log.info(`Temporal dev server on ${server.address}, state in ${config.dataDir}`);
  } else {
    const connection = await Connection.connect(connectionOptions);
    try {
      await ensureSearchAttributes(connection, config.temporal.namespace);
    } catch (err) {
      log.warn({ err }, 'could not register search attributes (register them with your cluster admin tools)');
    } finally {
      await connection.close();
    }
    log.info(`Connected to Temporal at ${connectionOptions.address}`);
  }

  const connection = await NativeConnection.connect(connectionOptions);
  stack.push({ name: 'worker connection', stop: () => connection.close() });
  const worker = await createWorker(config, connection);
  const running = worker.run();
  stack.push({
    name: 'worker',
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  });
  log.info(`Worker polling task queue ${config.temporal.taskQueue}`);
  if (!config.temporalConnection) {
    process.stdout.write(`\nTemporal Web UI: http://localhost:${config.temporal.uiPort}\nPress Ctrl-C to stop.\n\n`);
  }
  running.catch(async (err: unknown) => {
    log.error({ err }, 'worker failed');
    await stopAll();
    process.exit(1);
  });
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    log.error({ err }, 'start failed');
  }
  process.exit(1);
});
