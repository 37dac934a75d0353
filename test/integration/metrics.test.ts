/**
 * /metrics of a gateway process and a worker process, started as `npm start -- --role …` starts
 * them, after a lifecycle: the first token, a passive report, a refresh failure (a sandbox fault).
 * Each step moves the counters and gauges it should, and the worker also exports the Temporal
 * SDK's own metrics.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { TEMPORAL_SDK_METRICS_USED } from '../../metrics/exposition';
import { startSandbox, type SandboxHandle } from '../../sandbox';
import { freePort } from '../../scripts/dev-server';
import { eventually } from '../harness/eventually';
import { metricValue, parseMetrics, type Sample } from '../harness/prometheus-text';
import { startService, type ServiceProcess } from '../harness/service-process';
import { createDevEnvironment, testCodecKey, type DevEnvironment } from '../harness/temporal';

let dev: DevEnvironment;
let sandbox: SandboxHandle;
let dir: string;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tc-metrics-'));
  dev = await createDevEnvironment();
  // Real-time tokens (7200 s): no scheduled refresh during the test, only the ones it causes.
  sandbox = await startSandbox({ timeScale: 1, seed: 5 });
}, 60_000);
afterAll(async () => {
  await Promise.all(services.map((service) => service.kill('SIGTERM')));
  await sandbox?.close();
  await dev?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

async function scrape(url: string): Promise<Sample[]> {
  const response = await request(url);
  expect(response.statusCode).toBe(200);
  return parseMetrics(await response.body.text());
}

it('gateway and worker /metrics move as a lifecycle does: first token, passive report, refresh failure', async () => {
  const app = await sandbox.control.createWechatApp();
  const [gatewayPort, workerMetricsPort] = [await freePort(), await freePort()];
  const configFile = path.join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      apps: [{ platform: 'wechat', appid: app.appid, mode: 'basic', secret: { env: 'METRICS_APP_SECRET' } }],
      metrics: { fleetScanIntervalMs: 300 },
    }),
  );
  const env = {
    METRICS_APP_SECRET: app.secret,
    TEMPORAL_ADDRESS: dev.server.address,
    TEMPORAL_NAMESPACE: dev.server.namespace,
    TOKEN_CENTRAL_CONFIG: configFile,
    TOKEN_CENTRAL_DATA_DIR: path.join(dir, 'data'),
    TOKEN_CENTRAL_CODEC_KEYS: `test=${testCodecKey.toString('base64')}`,
    TASK_QUEUE: 'metrics',
    WECHAT_BASE_URL: sandbox.url,
    GATEWAY_PORT: String(gatewayPort),
    METRICS_WORKER_PORT: String(workerMetricsPort),
    LOG_LEVEL: 'warn',
  };
  services.push(
    ...(await Promise.all([startService({ role: 'worker', env }), startService({ role: 'gateway', env })])),
  );
  const gateway = `http://127.0.0.1:${gatewayPort}`;
  const gatewayMetrics = `${gateway}/metrics`;
  const workerMetrics = `http://127.0.0.1:${workerMetricsPort}/metrics`;
  const tokenUrl = `${gateway}/v1/tokens/app/wechat/${app.appid}`;
  const appLabels = { platform: 'wechat', kind: 'app' };

  // 1. The first token.
  const first = await eventually(
    async () => {
      const response = await request(tokenUrl);
      const body = (await response.body.json()) as { access_token?: string; version?: number };
      return response.statusCode === 200 ? body : undefined;
    },
    60_000,
    'the first token through the gateway',
  );
  let worker = await scrape(workerMetrics);
  expect(metricValue(worker, 'token_central_refreshes_total', { ...appLabels, outcome: 'success' })).toBe(1);
  expect(
    metricValue(worker, 'token_central_upstream_requests_total', { endpoint: '/cgi-bin/token', status: '200' }),
  ).toBe(1);
  // The Temporal SDK's own metrics are merged into the worker's /metrics.
  for (const name of TEMPORAL_SDK_METRICS_USED) {
    expect(worker.some((s) => s.name === name || s.name === `${name}_bucket`)).toBe(true);
  }
  let gw = await eventually(
    async () => {
      const samples = await scrape(gatewayMetrics);
      return metricValue(samples, 'token_central_credentials', { ...appLabels, status: 'active' }) === 1 && samples;
    },
    20_000,
    'the fleet scan to see the app active',
  );
  const expiry = metricValue(gw, 'token_central_token_expiry_seconds_min', appLabels);
  expect(expiry).toBeGreaterThan(7000);
  expect(expiry).toBeLessThanOrEqual(7200);
  expect(metricValue(gw, 'token_central_refresh_overdue_credentials', appLabels)).toBe(0);
  expect(metricValue(gw, 'token_central_token_reads_total', { result: 'miss' })).toBeGreaterThanOrEqual(1);
  const readRoute = gw.find(
    (s) =>
      s.name === 'token_central_http_requests_total' &&
      s.labels.route?.startsWith('/v1/tokens/app/') &&
      s.labels.status === '200',
  );
  // The route pattern, never the raw URL.
  expect(readRoute?.labels.route).not.toContain(app.appid);
  expect(readRoute?.value).toBeGreaterThanOrEqual(1);
  expect(
    metricValue(gw, 'token_central_http_request_duration_seconds_count', { route: readRoute!.labels.route! }),
  ).toBeGreaterThanOrEqual(1);

  // A cached read is a hit.
  const hitsBefore = metricValue(gw, 'token_central_token_reads_total', { result: 'hit' });
  await (await request(tokenUrl)).body.dump();
  gw = await scrape(gatewayMetrics);
  expect(metricValue(gw, 'token_central_token_reads_total', { result: 'hit' })).toBe(hitsBefore + 1);

  // 2. A passive report of the current token: one refresh.
  const invalidate = async (accessToken: string) => {
    const response = await request(`${tokenUrl}/invalidate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: accessToken }),
    });
    return {
      status: response.statusCode,
      body: (await response.body.json()) as { access_token: string; version: number },
    };
  };
  const second = await invalidate(first.access_token!);
  expect(second.body.version).toBe(first.version! + 1);
  gw = await scrape(gatewayMetrics);
  expect(metricValue(gw, 'token_central_token_reports_total', { outcome: 'refreshed' })).toBe(1);
  worker = await scrape(workerMetrics);
  expect(metricValue(worker, 'token_central_refreshes_total', { ...appLabels, outcome: 'success' })).toBe(2);
  expect(metricValue(worker, 'token_central_upstream_requests_total', { endpoint: '/cgi-bin/token' })).toBe(2);

  // 3. A refresh failure: the platform answers 500 once, the workflow retries after its backoff.
  await sandbox.control.addFault({ path: '/cgi-bin/token', kind: 'http5xx', status: 500, times: 1 });
  await invalidate(second.body.access_token);
  worker = await eventually(
    async () => {
      const samples = await scrape(workerMetrics);
      return (
        metricValue(samples, 'token_central_refreshes_total', { ...appLabels, outcome: 'success' }) === 3 && samples
      );
    },
    20_000,
    'the retry after the failure',
  );
  expect(
    metricValue(worker, 'token_central_refreshes_total', { ...appLabels, outcome: 'failure', error_code: 'http_500' }),
  ).toBe(1);
  expect(
    metricValue(worker, 'token_central_upstream_requests_total', { endpoint: '/cgi-bin/token', status: '500' }),
  ).toBe(1);
  await eventually(
    async () =>
      metricValue(await scrape(gatewayMetrics), 'token_central_credentials', { ...appLabels, status: 'active' }) === 1,
    20_000,
    'active again in the fleet scan',
  );
}, 180_000);
