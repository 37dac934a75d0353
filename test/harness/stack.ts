/**
 * The whole server for integration tests: a real Temporal dev server, the platform sandbox over
 * HTTP, a worker whose activities call the sandbox, and a TokenClient. Nothing is mocked.
 */
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { registerApp } from '../../client/registration';
import { TokenClient } from '../../client/token-client';
import { startSandbox, type SandboxHandle } from '../../sandbox';
import type { WechatAppConfig } from '../../worker/config';
import type { AppRef } from '../../workflows/credential-ids';
import { createDevEnvironment, testDataConverter, workflowBundle, type DevEnvironment } from './temporal';

export interface StackOptions {
  timeScale?: number;
  suggestContinueAsNewAt?: number;
  httpTimeoutMs?: number;
}

export interface Stack {
  dev: DevEnvironment;
  client: Client;
  sandbox: SandboxHandle;
  worker: Worker;
  taskQueue: string;
  tokens: TokenClient;
  /** Environment the worker's activities resolve secrets from. */
  secrets: Record<string, string>;
  /** Creates an app in the sandbox and registers it with token-central. */
  addWechatApp(mode: 'stable' | 'basic', options?: { dailyQuota?: number }): Promise<AppRef & { secret: string }>;
  teardown(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dev = await createDevEnvironment({ suggestContinueAsNewAt: options.suggestContinueAsNewAt });
  const sandbox = await startSandbox({ timeScale: options.timeScale ?? 1000, seed: 7 });
  const taskQueue = `tc-${randomUUID()}`;
  const secrets: Record<string, string> = {};
  const worker = await Worker.create({
    connection: dev.env.nativeConnection,
    namespace: dev.env.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      platforms: { wechat: { baseUrl: sandbox.url } },
      http: { timeoutMs: options.httpTimeoutMs ?? 2_000 },
      env: secrets,
    }),
    dataConverter: testDataConverter,
  });
  const running = worker.run();
  const client = dev.env.client;
  const tokens = new TokenClient(client);
  let appCount = 0;

  return {
    dev,
    client,
    sandbox,
    worker,
    taskQueue,
    tokens,
    secrets,
    async addWechatApp(mode, appOptions = {}) {
      const app = await sandbox.control.createWechatApp({ dailyQuota: appOptions.dailyQuota });
      const secretEnv = `WX_SECRET_${++appCount}`;
      secrets[secretEnv] = app.secret;
      const config: WechatAppConfig = { platform: 'wechat', appid: app.appid, mode, secret: { env: secretEnv } };
      await registerApp(client, taskQueue, config);
      return { kind: 'app', platform: 'wechat', appid: app.appid, secret: app.secret };
    },
    async teardown() {
      worker.shutdown();
      await running;
      await sandbox.close();
      await dev.teardown();
    },
  };
}

/** Polls `probe` until it returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
