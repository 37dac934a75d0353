import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Config } from './config';

/** Builds the token-central worker for a connection; the caller runs and shuts it down. */
export async function createWorker(
  config: Config,
  connection: NativeConnection,
  overrides: Partial<WorkerOptions> = {},
): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    ...overrides,
  });
}
