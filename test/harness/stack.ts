/**
 * The whole server for integration tests: a real Temporal dev server, the platform sandbox over
 * HTTP, a worker whose activities call the sandbox, and a TokenClient. Nothing is mocked.
 */
import { randomUUID } from 'node:crypto';
import { allPlatformsAt, createWorker } from '../../worker/worker';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import { registerApp } from '../../client/credentials';
import { TokenClient } from '../../client/token-client';
import { startSandbox, type SandboxHandle } from '../../sandbox';
import type { ComponentConfig, WebhookConfig, WechatAppConfig, WechatComponentConfig } from '../../config/config';
import { buildGateway } from '../../gateway/app';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { appWorkflowId, type AppRef } from '../../workflows/credential-ids';
import { invalidateSignal } from '../../workflows/messages';
import { createDevEnvironment, testDataConverter, workflowBundle, type DevEnvironment } from './temporal';

const UNLIMITED = { burst: 1_000_000, perSecond: 1_000_000 };
const UNLIMITED_PUBLIC_ROUTE = { perAddress: UNLIMITED, perComponent: UNLIMITED };

export interface StackOptions {
  timeScale?: number;
  suggestContinueAsNewAt?: number;
  httpTimeoutMs?: number;
  /** Push receiver clock (unix seconds); default the wall clock. */
  pushNowSeconds?: () => number;
  /** Request logging of the stack's gateway (e.g. a pino logger writing to a buffer); off by default. */
  gatewayLogger?: FastifyBaseLogger;
  /** Status-change webhooks the worker delivers to (secrets resolved from `secrets`). */
  webhooks?: WebhookConfig[];
}

export interface StackComponent {
  componentAppid: string;
  config: WechatComponentConfig;
  /** Message-check token and EncodingAESKey as the sandbox signs pushes with them. */
  token: string;
  encodingAESKey: string;
}

export interface TpStackComponent extends Omit<StackComponent, 'config'> {
  config: ComponentConfig;
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
  /** Reports the token of `version` as rejected (the invalidate signal). */
  appHandleSignal(ref: AppRef, version: number): Promise<void>;
  /** Starts the HTTP gateway (once) and returns its base URL. */
  startGateway(): Promise<string>;
  /**
   * Creates a third-party platform in the sandbox whose pushes go to the gateway, and lists it in
   * the gateway's configuration (secrets by env reference). Ticket pushes are not started.
   */
  addWechatComponent(
    options?: Pick<WechatComponentConfig, 'ticketValidityMs' | 'staleTicketAfterMs'>,
  ): Promise<StackComponent>;
  /**
   * A Douyin tpapp or Baidu TP in the sandbox whose pushes go to the gateway, listed in the gateway's
   * configuration (secrets by env reference). Ticket pushes are not started.
   */
  addTpComponent(
    platform: 'douyin' | 'baidu',
    options?: {
      durations?: Record<string, number>;
      rules?: Record<string, boolean>;
      config?: Pick<ComponentConfig, 'ticketValidityMs' | 'staleTicketAfterMs'>;
    },
  ): Promise<TpStackComponent>;
  /** Stops the worker (Temporal keeps accepting signals); `startWorker` brings a fresh one back. */
  stopWorker(): Promise<void>;
  startWorker(): Promise<void>;
  teardown(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dev = await createDevEnvironment({ suggestContinueAsNewAt: options.suggestContinueAsNewAt });
  const sandbox = await startSandbox({ timeScale: options.timeScale ?? 1000, seed: 7 });
  const taskQueue = `tc-${randomUUID()}`;
  const secrets: Record<string, string> = {};
  const startWorkerForStack = async () =>
    createWorker({
      connection: dev.env.nativeConnection,
      client: dev.env.client,
      namespace: dev.env.namespace,
      taskQueue,
      workflowBundle: await workflowBundle(),
      platforms: allPlatformsAt(sandbox.url),
      httpTimeoutMs: options.httpTimeoutMs ?? 2_000,
      env: secrets,
      dataConverter: testDataConverter,
      webhooks: options.webhooks,
    });
  const worker = await startWorkerForStack();
  let running: Promise<void> | undefined = worker.run();
  let currentWorker = worker;
  const components: ComponentConfig[] = [];
  let gateway: FastifyInstance | undefined;
  let gatewayUrl: string | undefined;
  let componentCount = 0;
  const client = dev.env.client;
  const tokens = new TokenClient(client);
  let appCount = 0;

  async function ensureGateway(): Promise<string> {
    if (gatewayUrl) return gatewayUrl;
    gateway = buildGateway({
      client,
      tokens,
      taskQueue,
      components,
      env: secrets,
      wechatBaseUrl: sandbox.url,
      douyinBaseUrl: sandbox.url,
      baiduBaseUrl: sandbox.url,
      push: { nowSeconds: options.pushNowSeconds },
      authorization: { pageBaseUrl: sandbox.url },
      logger: options.gatewayLogger,
      // The sandbox pushes at up to ×2000 time from one address: far past production's limits,
      // which test/unit/gateway/public-routes.test.ts and gateway-fuzz.test.ts exercise.
      publicRateLimits: { push: UNLIMITED_PUBLIC_ROUTE, authorize: UNLIMITED_PUBLIC_ROUTE },
    });
    const address = await gateway.listen({ host: '127.0.0.1', port: 0 });
    gatewayUrl = address;
    return address;
  }

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
      await registerApp({ client, taskQueue }, config);
      return { kind: 'app', platform: 'wechat', appid: app.appid, secret: app.secret };
    },
    async appHandleSignal(ref, version) {
      await client.workflow.getHandle(appWorkflowId(ref.platform, ref.appid)).signal(invalidateSignal, { version });
    },
    startGateway: ensureGateway,
    async addWechatComponent(componentOptions = {}) {
      const url = await ensureGateway();
      const n = ++componentCount;
      const view = await sandbox.control.createWechatComponent({});
      await sandbox.control.updateWechatComponent(view.componentAppid, {
        callbackUrl: `${url}/v1/push/wechat/${view.componentAppid}`,
      });
      secrets[`WXC_SECRET_${n}`] = view.secret;
      secrets[`WXC_TOKEN_${n}`] = view.token;
      secrets[`WXC_AES_${n}`] = view.encodingAESKey;
      const config: WechatComponentConfig = {
        platform: 'wechat',
        componentAppid: view.componentAppid,
        secret: { env: `WXC_SECRET_${n}` },
        token: { env: `WXC_TOKEN_${n}` },
        encodingAESKey: { env: `WXC_AES_${n}` },
        ...componentOptions,
      };
      components.push(config);
      return { componentAppid: view.componentAppid, config, token: view.token, encodingAESKey: view.encodingAESKey };
    },
    async addTpComponent(platform, tpOptions = {}) {
      const url = await ensureGateway();
      const n = ++componentCount;
      const view =
        platform === 'douyin'
          ? await sandbox.control.createDouyinTpApp({ durations: tpOptions.durations, startTickets: false })
          : await sandbox.control.createBaiduTpApp({
              durations: tpOptions.durations,
              rules: tpOptions.rules,
              startTickets: false,
            });
      const componentAppid = 'componentAppid' in view ? view.componentAppid : view.clientId;
      const callbackUrl = `${url}/v1/push/${platform}/${componentAppid}`;
      if (platform === 'douyin') await sandbox.control.updateDouyinTpApp(componentAppid, { callbackUrl });
      else await sandbox.control.updateBaiduTpApp(componentAppid, { callbackUrl });
      const prefix = platform === 'douyin' ? 'DY' : 'BD';
      secrets[`${prefix}_TOKEN_${n}`] = view.token;
      secrets[`${prefix}_AES_${n}`] = view.encodingAESKey;
      const refs = { token: { env: `${prefix}_TOKEN_${n}` }, encodingAESKey: { env: `${prefix}_AES_${n}` } };
      let config: ComponentConfig;
      if ('componentSecret' in view) {
        secrets[`${prefix}_SECRET_${n}`] = view.componentSecret;
        config = {
          platform: 'douyin',
          componentAppid,
          secret: { env: `${prefix}_SECRET_${n}` },
          ...refs,
          ...tpOptions.config,
        };
      } else {
        config = { platform: 'baidu', componentAppid, ...refs, ...tpOptions.config };
      }
      components.push(config);
      return { componentAppid, config, token: view.token, encodingAESKey: view.encodingAESKey };
    },
    async stopWorker() {
      if (!running) return;
      currentWorker.shutdown();
      await running;
      running = undefined;
    },
    async startWorker() {
      if (running) return;
      currentWorker = await startWorkerForStack();
      running = currentWorker.run();
    },
    async teardown() {
      if (running) {
        currentWorker.shutdown();
        await running;
      }
      await gateway?.close();
      await sandbox.close();
      await dev.teardown();
    },
  };
}
