/**
 * Roles for scale-out: two worker processes and two gateway processes, started exactly as
 * `npm start -- --role …` starts them, share one Temporal dev server. One of each is killed with
 * SIGKILL mid-run; every credential is still refreshed once per cycle (Temporal moves its workflow
 * to the surviving worker) and every read is answered (a caller fails over to the other gateway,
 * as a load balancer would).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { startSandbox, type SandboxHandle } from '../../sandbox';
import { freePort } from '../../scripts/dev-server';
import { startService, type ServiceProcess } from '../harness/service-process';
import { eventually } from '../harness/eventually';
import { createDevEnvironment, testCodecKey, type DevEnvironment } from '../harness/temporal';
import { wechatBusinessCall } from '../harness/apps';

const APPS = 8;
/** A 7200 s token lives 30 s; MINTING_POLICY refreshes it 6–7.5 s before expiry. */
const TIME_SCALE = 240;
const LIFETIME_MS = (7200 / TIME_SCALE) * 1000;

let dev: DevEnvironment;
let sandbox: SandboxHandle;
let dir: string;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tc-scale-out-'));
  dev = await createDevEnvironment();
  sandbox = await startSandbox({ timeScale: TIME_SCALE, seed: 11 });
});
afterAll(async () => {
  await Promise.all(services.map((service) => service.kill('SIGTERM')));
  await sandbox?.close();
  await dev?.teardown();
  rmSync(dir, { recursive: true, force: true });
});

interface Read {
  ok: boolean;
  version?: number;
  expiresAt?: number;
  token?: string;
}

/** A token read as a service behind a load balancer makes it: the first gateway that answers. */
async function read(gateways: string[], appid: string, offset: number): Promise<Read> {
  for (let i = 0; i < gateways.length; i++) {
    const url = `${gateways[(offset + i) % gateways.length]}/v1/tokens/app/wechat/${appid}`;
    try {
      const response = await request(url, { headersTimeout: 5_000, bodyTimeout: 5_000 });
      const body = (await response.body.json()) as { access_token?: string; version?: number; expires_at?: string };
      if (response.statusCode !== 200) return { ok: false };
      return { ok: true, version: body.version, expiresAt: Date.parse(body.expires_at!), token: body.access_token };
    } catch {
      // Connection refused or reset: this gateway is gone, try the next one.
    }
  }
  return { ok: false };
}

it('two workers and two gateways: one of each killed mid-run, every credential refreshed once per cycle, every read answered', async () => {
  const secrets: Record<string, string> = {};
  const apps: { platform: 'wechat'; appid: string; mode: 'basic'; secret: { env: string } }[] = [];
  for (let i = 0; i < APPS; i++) {
    const app = await sandbox.control.createWechatApp();
    secrets[`SCALE_SECRET_${i}`] = app.secret;
    apps.push({ platform: 'wechat', appid: app.appid, mode: 'basic', secret: { env: `SCALE_SECRET_${i}` } });
  }
  const configFile = path.join(dir, 'config.json');
  // Tokens live 30 s here: a dead worker's workflows must move within seconds, not the default 10.
  writeFileSync(configFile, JSON.stringify({ apps, worker: { stickyQueueScheduleToStartTimeout: 2_000 } }));
  const env = {
    ...secrets,
    TEMPORAL_ADDRESS: dev.server.address,
    TEMPORAL_NAMESPACE: dev.server.namespace,
    TOKEN_CENTRAL_CONFIG: configFile,
    TOKEN_CENTRAL_DATA_DIR: path.join(dir, 'data'),
    TOKEN_CENTRAL_CODEC_KEYS: `test=${testCodecKey.toString('base64')}`,
    TASK_QUEUE: 'scale-out',
    WECHAT_BASE_URL: sandbox.url,
    LOG_LEVEL: 'warn',
  };
  const ports = [await freePort(), await freePort()];
  const started = await Promise.all([
    startService({ role: 'worker', env }),
    startService({ role: 'worker', env }),
    ...ports.map((port) => startService({ role: 'gateway', env: { ...env, GATEWAY_PORT: String(port) } })),
  ]);
  services.push(...started);
  const [worker1, , gateway1] = started;
  const gateways = ports.map((port) => `http://127.0.0.1:${port}`);

  // Everything active through the gateways.
  await eventually(
    async () => {
      const reads = await Promise.all(apps.map((app, i) => read(gateways, app.appid, i)));
      return reads.every((r) => r.ok) ? reads : undefined;
    },
    60_000,
    'every app readable',
  );

  const runStarted = Date.now();
  const runMs = 2.5 * LIFETIME_MS;
  let reads = 0;
  let unanswered = 0;
  let expiredServed = 0;
  const checked = new Set<string>();
  const rejected: string[] = [];
  const versions = new Map<string, Set<number>>();
  let killed = false;
  for (let round = 0; Date.now() - runStarted < runMs; round++) {
    if (!killed && Date.now() - runStarted > LIFETIME_MS) {
      // Mid-run: a worker and a gateway die as a crashed host would.
      await Promise.all([worker1!.kill('SIGKILL'), gateway1!.kill('SIGKILL')]);
      killed = true;
    }
    const results = await Promise.all(apps.map((app, i) => read(gateways, app.appid, round + i)));
    for (const [i, result] of results.entries()) {
      reads++;
      if (!result.ok) {
        unanswered++;
        continue;
      }
      if (result.expiresAt! <= Date.now()) expiredServed++;
      const appid = apps[i]!.appid;
      if (!versions.has(appid)) versions.set(appid, new Set());
      versions.get(appid)!.add(result.version!);
      // Each new token once against the platform's business API: it must be accepted.
      const key = `${appid}/${result.version}`;
      if (!checked.has(key)) {
        checked.add(key);
        const answer = await wechatBusinessCall(sandbox.url, result.token!);
        if (answer.errcode) rejected.push(`${key}: ${answer.errcode}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250)); // read pacing, not a wait for a condition
  }

  expect(killed).toBe(true);
  expect({ unanswered, expiredServed, rejected }).toEqual({ unanswered: 0, expiredServed: 0, rejected: [] });
  expect(reads).toBeGreaterThan(APPS * 50);
  const { calls } = await sandbox.control.calls({ platform: 'wechat', endpoint: '/cgi-bin/token' });
  for (const app of apps) {
    const seen = versions.get(app.appid)!;
    // 2.5 lifetimes at a refresh every ~0.8 lifetime: at least three versions each…
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(3);
    // …and one upstream call per version (one more at most, for a call in flight when the worker died).
    const upstream = calls.filter((call) => call.appid === app.appid).length;
    expect(upstream).toBeGreaterThanOrEqual(Math.max(...seen));
    expect(upstream).toBeLessThanOrEqual(Math.max(...seen) + 1);
  }
}, 200_000);
