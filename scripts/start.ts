/**
 * `npm start`: the whole server in one command.
 *
 * With TEMPORAL_ADDRESS unset it runs the embedded default: a Temporal dev server persisting
 * under .data/ with the Web UI (decrypting through the codec server), the worker and the gateway;
 * with no apps configured, also the platform sandbox with demo apps. With TEMPORAL_ADDRESS set it
 * starts no server and connects there. Ctrl-C (or SIGTERM) stops everything, in reverse order.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { assertGatewayExposure } from '../gateway/plugins/auth';
import { startCodecServer } from '../codec/codec-server';
import { registerComponent } from '../client/credentials';
import { buildGateway } from '../gateway/app';
import { registerApp } from '../client/credentials';
import { TokenClient } from '../client/token-client';
import { loadCodecKeys } from '../codec/key-ring';
import { ConfigError, loadConfig } from '../config/config';
import { createDataConverter } from '../codec/data-converter';
import { createLogger, temporalLogger } from '../config/logging';
import { ensureSearchAttributes } from './search-attributes';
import { createWorker } from '../worker/worker';
import { startDemo, type Demo } from './demo';
import { startDevServer } from './dev-server';

const log = createLogger({ name: 'start' });

type Stop = { name: string; stop: () => Promise<void> };

async function main(stack: Stop[]) {
  const config = loadConfig();
  const embedded = !config.temporalConnection;
  // Before anything starts: an exposed gateway without API keys is a configuration error.
  const gatewayWarning = assertGatewayExposure(config.gateway.host, config.gateway.apiKeys);
  if (gatewayWarning) log.warn(gatewayWarning);
  Runtime.install({ logger: temporalLogger(createLogger({ name: 'temporal', level: 'warn' })), shutdownSignals: [] });
  mkdirSync(config.dataDir, { recursive: true });

  const { ring, notice } = loadCodecKeys({ env: process.env, dataDir: config.dataDir, embedded });
  if (notice) log.warn(notice);
  const dataConverter = createDataConverter(ring);
  const uiOrigins = [`http://localhost:${config.temporal.uiPort}`, `http://127.0.0.1:${config.temporal.uiPort}`];
  const codec = await startCodecServer({
    ring,
    host: config.codecServer.host,
    port: config.codecServer.port,
    bearerToken: process.env.CODEC_SERVER_TOKEN,
    allowedOrigins: uiOrigins,
  });
  stack.push({ name: 'codec server', stop: () => codec.close() });

  let connectionOptions = config.temporalConnection;
  if (!connectionOptions) {
    const server = await startDevServer({
      port: config.temporal.devServerPort,
      uiPort: config.temporal.uiPort,
      uiCodecEndpoint: codec.url,
      dbFile: path.join(config.dataDir, 'temporal.db'),
      namespace: config.temporal.namespace,
    });
    stack.push({ name: 'Temporal dev server', stop: () => server.stop() });
    connectionOptions = { address: server.address };
    log.info(`Temporal dev server on ${server.address}, state in ${config.dataDir}`);
  }

  const clientConnection = await Connection.connect(connectionOptions);
  stack.push({ name: 'client connection', stop: () => clientConnection.close() });
  if (!embedded) {
    await ensureSearchAttributes(clientConnection, config.temporal.namespace).catch((err: unknown) =>
      log.warn({ err }, 'could not register search attributes (register them with your cluster admin tools)'),
    );
  }
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter });

  let apps = config.apps;
  let components = config.components;
  let demo: Demo | undefined;
  const localGatewayUrl = `http://${['0.0.0.0', '::'].includes(config.gateway.host) ? '127.0.0.1' : config.gateway.host}:${config.gateway.port}`;
  // The demo platform only when no platform credentials at all are configured: real credentials
  // must never be pointed at the sandbox.
  if (apps.length === 0 && components.length === 0) {
    const started = await startDemo({
      port: config.sandbox.port,
      timeScale: config.sandbox.timeScale,
      gatewayUrl: localGatewayUrl,
    });
    demo = started;
    stack.push({ name: 'sandbox', stop: () => started.sandbox.close() });
    Object.assign(process.env, demo.secrets);
    config.platforms.wechat.baseUrl = demo.sandbox.url;
    config.platforms.douyin.baseUrl = demo.sandbox.url;
    config.platforms.baidu.baseUrl = demo.sandbox.url;
    apps = demo.apps;
    components = demo.components;
    log.info(
      `No credentials configured: demo platform sandbox on ${demo.sandbox.url} (time ×${config.sandbox.timeScale})`,
    );
  }

  const workerConnection = await NativeConnection.connect(connectionOptions);
  stack.push({ name: 'worker connection', stop: () => workerConnection.close() });
  const worker = await createWorker({
    connection: workerConnection,
    client,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    dataConverter,
    platforms: config.platforms,
  });
  const running = worker.run();
  stack.push({
    name: 'worker',
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    },
  });
  running.catch((err: unknown) => {
    log.error({ err }, 'worker failed');
    process.kill(process.pid, 'SIGTERM');
  });

  const target = { client, taskQueue: config.temporal.taskQueue };
  for (const app of apps) await registerApp(target, app);
  log.info(`${apps.length} app(s) registered`);
  for (const component of components) await registerComponent(target, component);
  if (components.length > 0) log.info(`${components.length} third-party platform(s) registered`);

  const gateway = buildGateway({
    client,
    tokens: new TokenClient(client),
    taskQueue: config.temporal.taskQueue,
    logger: log,
    auth: { apiKeys: config.gateway.apiKeys, rateLimit: config.gateway.rateLimit },
    components,
    wechatBaseUrl: config.platforms.wechat.baseUrl,
    douyinBaseUrl: config.platforms.douyin.baseUrl,
    baiduBaseUrl: config.platforms.baidu.baseUrl,
    ...(demo ? { authorization: { pageBaseUrl: demo.sandbox.url } } : {}),
  });
  await gateway.listen({ host: config.gateway.host, port: config.gateway.port });
  stack.push({ name: 'gateway', stop: () => gateway.close() });
  await demo?.startComponentDemo();

  const gatewayUrl = `http://${config.gateway.host}:${config.gateway.port}`;
  process.stdout.write(
    [
      '',
      embedded
        ? `Temporal Web UI:  http://localhost:${config.temporal.uiPort}`
        : `Temporal:         ${connectionOptions.address}`,
      `Gateway:          ${gatewayUrl}   (try: curl ${gatewayUrl}/v1/tokens/app/wechat/${apps[0]?.appid ?? '<appid>'})`,
      ...(components.length > 0
        ? components.map(
            (c) =>
              `Third-party:      curl ${gatewayUrl}/v1/apps?component=${c.componentAppid}   (${c.platform}; authorize: ${gatewayUrl}/v1/authorize/${c.platform}/${c.componentAppid})`,
          )
        : []),
      `Codec server:     ${codec.url}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n') + '\n',
  );
}

const stack: Stop[] = [];
let stopping: Promise<void> | undefined;
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const { name, stop } of stack.reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error({ err }, `stopping ${name} failed`);
      }
    }
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log.info(`${signal} received, stopping`);
    void stopAll().then(() => process.exit(0));
  });
}

main(stack).catch(async (err: unknown) => {
  if (err instanceof ConfigError || (err instanceof Error && err.name === 'CodecKeyError')) {
    process.stderr.write(`${err.message}\n`);
  } else {
    log.error({ err }, 'start failed');
  }
  await stopAll();
  process.exit(1);
});
