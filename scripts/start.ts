/**
 * `npm start`: the whole server in one command, or one role of it.
 *
 * With TEMPORAL_ADDRESS unset it runs the embedded default: a Temporal dev server persisting
 * under .data/ with the Web UI (decrypting through the codec server), the worker and the gateway;
 * with no credentials configured, also the platform sandbox with demo apps. With TEMPORAL_ADDRESS
 * set it starts no server and connects there. `--role worker` or `--role gateway` (or
 * TOKEN_CENTRAL_ROLE) runs only that part, so a fleet runs several of each against one cluster.
 * The gateway listens at once; the configured credentials are registered in the background.
 * Ctrl-C (or SIGTERM) stops everything, in reverse order.
 */
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { Command, Option } from 'commander';
import { registerFleet } from '../client/fleet-registration';
import { TokenClient } from '../client/token-client';
import { shouldRunCodecServer, startCodecServer } from '../codec/codec-server';
import { createDataConverter } from '../codec/data-converter';
import { loadCodecKeys } from '../codec/key-ring';
import { ConfigError, loadConfig, ROLES, type Config, type Role } from '../config/config';
import { createLogger, progressReporter, temporalLogger } from '../config/logging';
import { resolveSecret } from '../config/secrets';
import { ensurePrivateDir } from '../config/private-dir';
import { buildGateway } from '../gateway/app';
import { stateKeyFromSecret, stateKeysFromRing } from '../gateway/authorization-state';
import { assertGatewayExposure } from '../gateway/plugins/auth';
import { createWorker } from '../worker/worker';
import { startMetricsServer } from '../metrics/exposition';
import { readMetricsObserver } from '../metrics/read-metrics';
import { observeUpstreamRequests } from '../metrics/upstream-metrics';
import { prebuiltWorkflowBundle } from '../worker/workflow-bundle';
import { startDemo, type Demo } from './demo';
import { freePort, startDevServer } from './dev-server';
import { ensureSearchAttributes } from './search-attributes';

const log = createLogger({ name: 'start' });

type Stop = { name: string; stop: () => Promise<void> };

function parseRole(): Role | undefined {
  const program = new Command('npm start --')
    .description('token-central: the embedded default runs everything; a role runs one part of it')
    .addOption(
      new Option('--role <role>', 'what this process runs (default: all, or TOKEN_CENTRAL_ROLE)').choices(ROLES),
    )
    .parse(process.argv);
  return program.opts<{ role?: Role }>().role;
}

async function main(stack: Stop[]) {
  const config = loadConfig();
  config.role = parseRole() ?? config.role;
  const { role } = config;
  const embedded = !config.temporalConnection;
  if (embedded && role !== 'all') {
    throw new ConfigError(
      `--role ${role} joins a Temporal cluster: set TEMPORAL_ADDRESS (the embedded server runs with role all)`,
    );
  }
  const runsGateway = role !== 'worker';
  const runsWorker = role !== 'gateway';
  // Before anything starts: an exposed gateway without API keys is a configuration error.
  if (runsGateway) {
    const gatewayWarning = assertGatewayExposure(config.gateway.host, config.gateway.apiKeys);
    if (gatewayWarning) log.warn(gatewayWarning);
  }
  // A worker's Temporal SDK metrics: the core's Prometheus exporter on loopback, merged into /metrics.
  const temporalMetricsPort = runsWorker ? config.metrics.temporalPort || (await freePort()) : undefined;
  const temporalMetricsUrl = temporalMetricsPort ? `http://127.0.0.1:${temporalMetricsPort}/metrics` : undefined;
  Runtime.install({
    logger: temporalLogger(createLogger({ name: 'temporal', level: 'warn' })),
    shutdownSignals: [],
    ...(temporalMetricsPort
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${temporalMetricsPort}` } } } }
      : {}),
  });
  // Every token is in there (dev server database, generated codec key): owner only.
  if (ensurePrivateDir(config.dataDir)) log.warn(`${config.dataDir} was readable by others: now mode 0700`);

  const {
    ring,
    options: codecOptions,
    notice,
  } = loadCodecKeys({ env: process.env, dataDir: config.dataDir, embedded });
  if (notice) log.warn(notice);
  const dataConverter = createDataConverter(ring, codecOptions);

  // The Web UI decrypts history through the codec server: run with everything, not with each replica.
  let codecUrl: string | undefined;
  const bearerToken = process.env.CODEC_SERVER_TOKEN || undefined;
  if (role === 'all' && shouldRunCodecServer({ embedded, enabled: config.codecServer.enabled, bearerToken })) {
    const uiOrigins = config.codecServer.uiOrigins ?? [
      `http://localhost:${config.temporal.uiPort}`,
      `http://127.0.0.1:${config.temporal.uiPort}`,
    ];
    const codec = await startCodecServer({
      ring,
      host: config.codecServer.host,
      port: config.codecServer.port,
      bearerToken,
      allowedOrigins: uiOrigins,
    });
    stack.push({ name: 'codec server', stop: () => codec.close() });
    codecUrl = codec.url;
  }

  let connectionOptions = config.temporalConnection;
  if (!connectionOptions) {
    const server = await startDevServer({
      port: config.temporal.devServerPort,
      uiPort: config.temporal.uiPort,
      uiCodecEndpoint: codecUrl,
      dbFile: path.join(config.dataDir, 'temporal.db'),
      namespace: config.temporal.namespace,
    });
    stack.push({ name: 'Temporal dev server', stop: () => server.stop() });
    connectionOptions = { address: server.address };
    log.info(`Temporal dev server on ${server.address}, state in ${config.dataDir}`);
  }
  const temporalAddress = connectionOptions.address ?? 'localhost:7233';

  const clientConnection = await Connection.connect(connectionOptions);
  stack.push({ name: 'client connection', stop: () => clientConnection.close() });
  if (!embedded) {
    await ensureSearchAttributes(clientConnection, config.temporal.namespace).catch((err: unknown) =>
      log.warn({ err }, 'could not register search attributes (register them with your cluster admin tools)'),
    );
  }
  const client = new Client({ connection: clientConnection, namespace: config.temporal.namespace, dataConverter });
  const target = { client, taskQueue: config.temporal.taskQueue };

  const demo = role === 'all' ? await maybeStartDemo(config, stack) : undefined;
  const fleet = demo ?? { apps: config.apps, components: config.components };

  if (runsGateway) {
    const gateway = buildGateway({
      client,
      tokens: new TokenClient(client, readMetricsObserver),
      taskQueue: config.temporal.taskQueue,
      logger: log,
      metrics: {
        client,
        taskQueue: config.temporal.taskQueue,
        fleetScanIntervalMs: config.metrics.fleetScanIntervalMs,
        temporalMetricsUrl,
      },
      auth: { apiKeys: config.gateway.apiKeys, rateLimit: config.gateway.rateLimit },
      components: fleet.components,
      wechatBaseUrl: config.platforms.wechat.baseUrl,
      douyinBaseUrl: config.platforms.douyin.baseUrl,
      baiduBaseUrl: config.platforms.baidu.baseUrl,
      trustProxy: config.gateway.trustProxy,
      publicRateLimits: config.gateway.publicRateLimits,
      authorization: {
        ...(demo ? { pageBaseUrl: demo.sandbox.url } : {}),
        publicUrl: config.gateway.publicUrl,
        redirectOrigins: config.gateway.authorization.redirectOrigins,
        // Every gateway sharing the codec key ring (or the configured secret) accepts the others' links.
        stateKeys: config.gateway.authorization.stateSecret
          ? [stateKeyFromSecret(await resolveSecret(config.gateway.authorization.stateSecret))]
          : stateKeysFromRing(ring),
        stateTtlMs: config.gateway.authorization.stateTtlSeconds * 1000,
      },
    });
    await gateway.listen({ host: config.gateway.host, port: config.gateway.port });
    stack.push({ name: 'gateway', stop: () => gateway.close() });
  }

  if (runsWorker) {
    const workerConnection = await NativeConnection.connect(connectionOptions);
    stack.push({ name: 'worker connection', stop: () => workerConnection.close() });
    const worker = await createWorker({
      connection: workerConnection,
      client,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      dataConverter,
      platforms: config.platforms,
      workflowBundle: await prebuiltWorkflowBundle(config.dataDir),
      webhooks: config.webhooks,
      options: config.worker,
    });
    const stopObserving = observeUpstreamRequests(Object.values(config.platforms).map((p) => p.baseUrl));
    stack.push({ name: 'upstream metrics', stop: async () => stopObserving() });
    if (!runsGateway) {
      // No gateway in this process: /metrics on its own port.
      const metrics = await startMetricsServer({
        host: config.metrics.workerHost,
        port: config.metrics.workerPort,
        temporalMetricsUrl,
      });
      stack.push({ name: 'metrics server', stop: () => metrics.close() });
      log.info(`metrics on ${metrics.url}`);
    }
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
    // Reads are served meanwhile: registration runs behind the listening gateway.
    void registerInBackground(target, fleet, config);
  }
  await demo?.startComponentDemo();
  printBanner(config, temporalAddress, fleet, codecUrl);
}

/** The demo platform only when no platform credentials at all are configured: real ones never point at the sandbox. */
async function maybeStartDemo(config: Config, stack: Stop[]): Promise<Demo | undefined> {
  if (config.apps.length > 0 || config.components.length > 0) return undefined;
  const demo = await startDemo({
    port: config.sandbox.port,
    timeScale: config.sandbox.timeScale,
    gatewayUrl: localGatewayUrl(config),
  });
  stack.push({ name: 'sandbox', stop: () => demo.sandbox.close() });
  Object.assign(process.env, demo.secrets);
  config.platforms.wechat.baseUrl = demo.sandbox.url;
  config.platforms.douyin.baseUrl = demo.sandbox.url;
  config.platforms.baidu.baseUrl = demo.sandbox.url;
  log.info(
    `No credentials configured: demo platform sandbox on ${demo.sandbox.url} (time ×${config.sandbox.timeScale})`,
  );
  return demo;
}

async function registerInBackground(
  target: Parameters<typeof registerFleet>[0],
  fleet: Parameters<typeof registerFleet>[1],
  config: Config,
) {
  const started = Date.now();
  const total = fleet.apps.length + fleet.components.length;
  try {
    const result = await registerFleet(target, fleet, {
      concurrency: config.registration.concurrency,
      onProgress: progressReporter(log, 'registering credentials'),
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    log.info(`${total} credential(s): ${result.registered} registered, ${result.unchanged} unchanged, in ${seconds} s`);
    for (const { id, error } of result.failed) log.error({ err: error }, `registering ${id} failed`);
  } catch (err) {
    log.error({ err }, 'registering the configured credentials failed');
  }
}

function localGatewayUrl(config: Config): string {
  const host = ['0.0.0.0', '::'].includes(config.gateway.host) ? '127.0.0.1' : config.gateway.host;
  return `http://${host}:${config.gateway.port}`;
}

function printBanner(
  config: Config,
  temporalAddress: string,
  fleet: Pick<Demo, 'apps' | 'components'>,
  codecUrl: string | undefined,
) {
  const gatewayUrl = `http://${config.gateway.host}:${config.gateway.port}`;
  const lines = [
    '',
    config.temporalConnection
      ? `Temporal:         ${temporalAddress}`
      : `Temporal Web UI:  http://localhost:${config.temporal.uiPort}`,
    `Role:             ${config.role}`,
  ];
  if (config.role !== 'worker') {
    lines.push(
      `Gateway:          ${gatewayUrl}   (try: curl ${gatewayUrl}/v1/tokens/app/wechat/${fleet.apps[0]?.appid ?? '<appid>'})`,
      `API docs:         ${gatewayUrl}/docs   (OpenAPI: ${gatewayUrl}/openapi.json; CLI: npm run cli -- --help)`,
      ...fleet.components.map(
        (c) =>
          `Third-party:      curl ${gatewayUrl}/v1/apps?component=${c.componentAppid}   (${c.platform}; authorize: ${gatewayUrl}/v1/authorize/${c.platform}/${c.componentAppid})`,
      ),
    );
  }
  if (codecUrl) lines.push(`Codec server:     ${codecUrl}`);
  lines.push('Press Ctrl-C to stop.', '');
  process.stdout.write(lines.join('\n') + '\n');
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
  const configErrors = ['CodecKeyError', 'CodecServerConfigError'];
  if (err instanceof ConfigError || (err instanceof Error && configErrors.includes(err.name))) {
    process.stderr.write(`${err.message}\n`);
  } else {
    log.error({ err }, 'start failed');
  }
  await stopAll();
  process.exit(1);
});
