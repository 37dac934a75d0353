/**
 * The token-central worker: every workflow and activity on one task queue. `createWorker` is the
 * only way one is built (npm start, tests, benchmarks), so all run the same wiring.
 */
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type PlatformEndpoints } from '../activities';
import type { WebhookConfig } from '../config/config';
import { activityMetricsInterceptor } from '../metrics/activity-metrics';
import { workerDataConverter } from '../codec/data-converter';

/** Platform HTTP timeout: below the activities' 20 s start-to-close, so no attempt outlives its request. */
export const PLATFORM_HTTP_TIMEOUT_MS = 10_000;

export interface WorkerParams {
  connection: NativeConnection;
  /** Third-party platform activities read component tokens and hand over grants through it. */
  client: Client;
  namespace?: string;
  taskQueue: string;
  dataConverter: DataConverter;
  /** Base URL of each platform's API (the real hosts, or the sandbox). */
  platforms: PlatformEndpoints;
  /** Default PLATFORM_HTTP_TIMEOUT_MS. */
  httpTimeoutMs?: number;
  /** Environment secret references resolve from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** A prebuilt workflow bundle; by default the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Status-change webhooks the worker delivers to (config `webhooks`). */
  webhooks?: readonly WebhookConfig[];
  /** Any other worker option (tuning, interceptors). */
  options?: Partial<WorkerOptions>;
}

export async function createWorker(params: WorkerParams): Promise<Worker> {
  return Worker.create({
    connection: params.connection,
    namespace: params.namespace ?? 'default',
    taskQueue: params.taskQueue,
    ...(params.workflowBundle
      ? { workflowBundle: params.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({
      platforms: params.platforms,
      http: { timeoutMs: params.httpTimeoutMs ?? PLATFORM_HTTP_TIMEOUT_MS },
      env: params.env,
      client: params.client,
      taskQueue: params.taskQueue,
      webhooks: params.webhooks,
    }),
    // Refresh outcomes and webhook deliveries for /metrics (metrics/activity-metrics.ts).
    interceptors: { activity: [activityMetricsInterceptor] },
    // Refused payloads (unencrypted, forged) read as absent: a throwing decode would fail the task forever.
    dataConverter: workerDataConverter(params.dataConverter),
    ...params.options,
  });
}

/** Every platform at one base URL: the sandbox serves all three. */
export function allPlatformsAt(baseUrl: string): PlatformEndpoints {
  return { wechat: { baseUrl }, douyin: { baseUrl }, baidu: { baseUrl } };
}
