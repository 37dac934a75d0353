import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { Config } from './config';

/** Platform HTTP timeout: below the activities' 20 s start-to-close, so no attempt outlives its request. */
export const PLATFORM_HTTP_TIMEOUT_MS = 10_000;

/** Builds the token-central worker for a connection; the caller runs and shuts it down. */
export async function createWorker(
  config: Config,
  connection: NativeConnection,
  dataConverter: DataConverter,
  overrides: Partial<WorkerOptions> = {},
  /** Lets third-party platform activities read component tokens and hand over grants. */
  client?: Client,
): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities({
      platforms: config.platforms,
      http: { timeoutMs: PLATFORM_HTTP_TIMEOUT_MS },
      client,
      taskQueue: config.temporal.taskQueue,
    }),
    dataConverter,
    ...overrides,
  });
}
