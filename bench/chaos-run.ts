/**
 * The chaos run behind `npm run bench:chaos` and test/integration/chaos.test.ts: the whole service
 * (`npm start -- --role all`: worker and gateway in one OS process) keeps Douyin and Baidu
 * authorizers on short token lifetimes fresh against a Temporal dev server and a standalone sandbox
 * that both stay up, and is SIGKILLed at random moments and restarted, while drop_response and
 * garble_response faults hit its single-use calls and passive refreshes are requested through its
 * gateway (so kills often land mid-refresh). Everything random comes from one seed.
 *
 * Judged from the sandbox's record of every refresh token and authorization code presented
 * (`GET /__sandbox/single-use`), from reads of every authorizer's token through TokenClient while
 * it runs (each checked against the sandbox's business API), and from a last passive refresh of
 * every authorizer through the gateway, which must present the refresh token the platform holds.
 */
import { request } from 'undici';
import { TokenClient, TokenUnavailableError } from '../client/token-client';
import type { AuthorizerRef } from '../workflows/credential-ids';
import type { SingleUsePresentation } from '../sandbox/core/call-log';
import { SeededRng } from '../sandbox/core/rng';
import { freePort } from '../scripts/dev-server';
import type { ServiceProcess } from '../test/harness/service-process';
import { GapTracker, refreshMarginMs, singleUseFindings } from './chaos-metrics';
import { IN_FLIGHT_HOLD_MS, planCycle } from './chaos-plan';
import { startBenchFleet } from './processes';

export type TpPlatform = 'douyin' | 'baidu';

export interface ChaosOptions {
  seed: number;
  /** SIGKILLs of the service (each followed by a restart). */
  kills: number;
  authorizersPerPlatform: number;
  /** Sandbox clock speed-up: tickets, codes and component tokens run this much faster. */
  timeScale: number;
  /** Real seconds an authorizer access token lives. */
  tokenLifetimeS: number;
  /** Real seconds the service runs between a restart and the next kill: uniform in [min, max]. */
  upSeconds: [number, number];
  /**
   * Chance per kill cycle of a fault on one authorizer's single-use calls (drop_response, garble_response,
   * or the call held at the sandbox across the kill), with a passive refresh of it requested meanwhile.
   */
  faultChance: number;
  /** Otherwise, chance per kill cycle of a passive refresh of one authorizer through the gateway. */
  refreshChance: number;
  /** Chance per kill cycle of a re-authorization: the platform pushes a fresh code (UPDATE_AUTHORIZED) to exchange. */
  reauthorizeChance: number;
  /** How often each authorizer's token is read and checked. */
  pollMs: number;
  /**
   * The service's `worker.stickyQueueScheduleToStartTimeout` (ms); absent = its default (10 s). After a
   * SIGKILL each workflow's next task waits this long on the dead worker's sticky queue.
   */
  stickyTimeoutMs?: number;
  log?: (line: string) => void;
}

export const DEFAULT_CHAOS_OPTIONS: ChaosOptions = {
  seed: 1,
  kills: 100,
  authorizersPerPlatform: 4,
  timeScale: 60,
  tokenLifetimeS: 300,
  upSeconds: [2, 8],
  faultChance: 0.6,
  refreshChance: 0.6,
  reauthorizeChance: 0.2,
  pollMs: 500,
};

export interface CredentialResult {
  id: string;
  platform: TpPlatform;
  longestGapMs: number;
  /** How much of that stretch the service was down (killed, not yet restarted). */
  longestGapDownMs: number;
  gaps: number;
  marginMs: number;
  /** The last passive refresh presented the refresh token the platform holds, and the platform took it. */
  finalRefresh: 'accepted' | 'rejected' | 'none';
  finalStatus: string;
  /** For a stretch longer than half the margin: what happened around it (kills, platform calls), in seconds from its start. */
  timeline?: string[];
}

export interface ChaosReport {
  options: ChaosOptions;
  wallSeconds: number;
  kills: number;
  restartSeconds: { mean: number; max: number };
  faults: { armed: Record<string, number>; hit: Record<string, number> };
  passiveRefreshes: { requested: number; answered: number };
  reauthorizations: number;
  refreshesAccepted: number;
  codesAccepted: number;
  recoveries: number;
  refreshTokensSentTwice: SingleUsePresentation[];
  staleRefreshTokens: SingleUsePresentation[];
  /** Sent twice + stale + authorizers whose last refresh did not present the platform's refresh token. */
  refreshTokensLost: number;
  codesExchangedTwice: SingleUsePresentation[];
  reauthRequired: string[];
  credentials: CredentialResult[];
  missed: string[];
}

const PATHS = {
  douyin: { exchange: '/api/tpapp/v2/auth/get_auth_token/', retrieve: '/api/tpapp/v2/auth/retrieve_auth_code/' },
  baidu: { exchange: '/rest/2.0/oauth/token', retrieve: '/rest/2.0/smartapp/auth/retrieve/authorizationcode' },
} as const;

const BUSINESS_PATHS = new Set(['/api/apps/v2/basic_info/get_info/', '/rest/2.0/smartapp/app/info']);

interface Authorizer {
  platform: TpPlatform;
  ref: AuthorizerRef;
  id: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`chaos: timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** A call with the authorizer's token to the platform's business API: true when the platform accepts it. */
async function accepted(sandboxUrl: string, platform: TpPlatform, accessToken: string): Promise<boolean> {
  if (platform === 'douyin') {
    const response = await request(new URL('/api/apps/v2/basic_info/get_info/', sandboxUrl), {
      headers: { 'access-token': accessToken },
    });
    return ((await response.body.json()) as { err_no: number }).err_no === 0;
  }
  const url = new URL('/rest/2.0/smartapp/app/info', sandboxUrl);
  url.searchParams.set('access_token', accessToken);
  const response = await request(url);
  return ((await response.body.json()) as { errno: number }).errno === 0;
}

function tokenPath(a: Authorizer): string {
  return `/v1/tokens/authorizer/${a.platform}/${a.ref.componentAppid}/${a.ref.authorizerAppid}`;
}

/** A passive refresh through the gateway: read the current token, report it rejected. */
async function passiveRefresh(gatewayUrl: string, a: Authorizer): Promise<boolean> {
  const timeouts = { headersTimeout: 15_000, bodyTimeout: 15_000 };
  const current = await request(`${gatewayUrl}${tokenPath(a)}`, timeouts);
  const body = (await current.body.json()) as { access_token?: string };
  if (current.statusCode !== 200 || !body.access_token) return false;
  const report = await request(`${gatewayUrl}${tokenPath(a)}/invalidate`, {
    ...timeouts,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ access_token: body.access_token }),
  });
  await report.body.dump();
  return report.statusCode === 200;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const rng = new SeededRng(options.seed);
  const started = Date.now();
  const fleet = await startBenchFleet(options.timeScale);
  let service: ServiceProcess | undefined;
  let polling = false;
  const pollers: Promise<void>[] = [];
  try {
    const { control, client } = fleet;
    const sandboxUrl = fleet.sandbox.url;
    const gatewayPort = await freePort();
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const lifetimeMs = options.tokenLifetimeS * 1000;
    const platformSeconds = options.tokenLifetimeS * options.timeScale;

    // One Douyin tpapp and one Baidu TP whose pushes go to the service's gateway.
    const douyin = await control.createDouyinTpApp({ durations: { accessTokenLifetime: platformSeconds } });
    const baidu = await control.createBaiduTpApp({ durations: { accessTokenLifetime: platformSeconds } });
    await control.updateDouyinTpApp(douyin.componentAppid, {
      callbackUrl: `${gatewayUrl}/v1/push/douyin/${douyin.componentAppid}`,
    });
    await control.updateBaiduTpApp(baidu.clientId, { callbackUrl: `${gatewayUrl}/v1/push/baidu/${baidu.clientId}` });
    const env = {
      GATEWAY_PORT: String(gatewayPort),
      DOUYIN_BASE_URL: sandboxUrl,
      BAIDU_BASE_URL: sandboxUrl,
      CHAOS_DY_SECRET: douyin.componentSecret,
      CHAOS_DY_TOKEN: douyin.token,
      CHAOS_DY_AES: douyin.encodingAESKey,
      CHAOS_BD_TOKEN: baidu.token,
      CHAOS_BD_AES: baidu.encodingAESKey,
    };
    const config = {
      ...(options.stickyTimeoutMs !== undefined
        ? { worker: { stickyQueueScheduleToStartTimeout: options.stickyTimeoutMs } }
        : {}),
      components: [
        {
          platform: 'douyin',
          componentAppid: douyin.componentAppid,
          secret: { env: 'CHAOS_DY_SECRET' },
          token: { env: 'CHAOS_DY_TOKEN' },
          encodingAESKey: { env: 'CHAOS_DY_AES' },
        },
        {
          platform: 'baidu',
          componentAppid: baidu.clientId,
          token: { env: 'CHAOS_BD_TOKEN' },
          encodingAESKey: { env: 'CHAOS_BD_AES' },
        },
      ],
    };
    const startService = () => fleet.start('all', config, env);
    service = await startService();
    await control.startDouyinTickets(douyin.componentAppid);
    await control.startBaiduTickets(baidu.clientId);
    for (const [platform, componentAppid] of [
      ['douyin', douyin.componentAppid],
      ['baidu', baidu.clientId],
    ] as const) {
      await until(`the ${platform} component token`, 60_000, async () => {
        const response = await request(`${gatewayUrl}/v1/tokens/component/${platform}/${componentAppid}`);
        await response.body.dump();
        return response.statusCode === 200 ? true : undefined;
      });
    }

    // Authorized by event (the AUTHORIZED push carries the code).
    const authorizers: Authorizer[] = [];
    for (let n = 0; n < options.authorizersPerPlatform; n++) {
      const dy = await control.douyinAuthorize(douyin.componentAppid, { authorizerAppid: `ttchaos${n}` });
      const bd = await control.baiduAuthorize(baidu.clientId, { appId: 40_000_000 + n });
      for (const [platform, componentAppid, authorizerAppid] of [
        ['douyin', douyin.componentAppid, dy.authorizerAppid],
        ['baidu', baidu.clientId, String(bd.appId)],
      ] as const) {
        const ref: AuthorizerRef = { kind: 'authorizer', platform, componentAppid, authorizerAppid };
        authorizers.push({ platform, ref, id: `${platform}/${authorizerAppid}` });
      }
    }

    // A fresh TokenClient per read: every read is the view the workflow published (no cache in between).
    const readValid = async (a: Authorizer): Promise<{ valid: boolean; status?: string }> => {
      try {
        const token = await new TokenClient(client).getToken(a.ref);
        return { valid: await accepted(sandboxUrl, a.platform, token.accessToken) };
      } catch (err) {
        if (err instanceof TokenUnavailableError) return { valid: false, status: err.status };
        throw err;
      }
    };
    await Promise.all(
      authorizers.map((a) =>
        until(`a first accepted token of ${a.id}`, 90_000, async () => ((await readValid(a)).valid ? true : undefined)),
      ),
    );
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
    log(`${authorizers.length} authorizers active after ${elapsed()}`);

    // When things happened, in wall-clock ms like the sandbox's real-mode clock: timelines of long stretches.
    const events: Array<{ at: number; what: string; authorizer?: string }> = [];
    const gaps = new GapTracker();
    const everReauth = new Set<string>();
    let readErrors = 0;
    polling = true;
    for (const a of authorizers) {
      pollers.push(
        (async () => {
          while (polling) {
            const at = Date.now();
            try {
              const read = await readValid(a);
              gaps.observe(a.id, read.valid, at);
              if (read.status === 'reauth_required' || read.status === 'revoked') everReauth.add(a.id);
            } catch {
              readErrors++;
            }
            await sleep(Math.max(0, options.pollMs - (Date.now() - at)));
          }
        })(),
      );
    }

    const armed: Record<string, number> = { drop_response: 0, garble_response: 0, in_flight: 0 };
    const passive = { requested: 0, answered: 0 };
    let reauthorizations = 0;
    const restarts: number[] = [];
    const downtimes: Array<{ from: number; to: number }> = [];

    for (let k = 1; k <= options.kills; k++) {
      const plan = planCycle(rng, options, authorizers.length);
      const target = plan.target !== undefined ? authorizers[plan.target]! : undefined;
      if (plan.fault && target) {
        const kind = plan.fault.kind;
        const spec = { path: PATHS[target.platform][plan.fault.on], appid: target.ref.authorizerAppid, times: 1 };
        await control.addFault(
          kind === 'in_flight' ? { ...spec, kind: 'latency', latencyMs: IN_FLIGHT_HOLD_MS } : { ...spec, kind },
        );
        armed[kind]!++;
        events.push({ at: Date.now(), what: `${kind} armed on ${spec.path}`, authorizer: target.id });
      }
      const pending: Promise<unknown>[] = [];
      if (target && plan.refreshAtMs !== undefined) {
        passive.requested++;
        pending.push(
          sleep(plan.refreshAtMs)
            .then(() => {
              events.push({ at: Date.now(), what: 'passive refresh requested', authorizer: target.id });
              return passiveRefresh(gatewayUrl, target);
            })
            .then((ok) => void (ok && passive.answered++))
            .catch(() => undefined),
        );
      }
      if (plan.reauthorize) {
        const again = authorizers[plan.reauthorize.target]!;
        reauthorizations++;
        pending.push(
          sleep(plan.reauthorize.atMs).then(async () => {
            events.push({ at: Date.now(), what: 'merchant authorizes again (code pushed)', authorizer: again.id });
            if (again.platform === 'douyin') {
              await control.douyinAuthorize(again.ref.componentAppid, { authorizerAppid: again.ref.authorizerAppid });
            } else {
              await control.baiduAuthorize(again.ref.componentAppid, { appId: Number(again.ref.authorizerAppid) });
            }
          }),
        );
      }
      await sleep(plan.upMs);
      await service.kill('SIGKILL');
      const killedAt = Date.now();
      events.push({ at: killedAt, what: `SIGKILL ${k}` });
      service = await startService();
      events.push({ at: Date.now(), what: `service ready again` });
      downtimes.push({ from: killedAt, to: Date.now() });
      restarts.push((Date.now() - killedAt) / 1000);
      await Promise.all(pending);
      const what = plan.fault ? `${plan.fault.kind} on ${target!.id}` : target ? `refresh of ${target.id}` : 'idle';
      log(
        `kill ${k}/${options.kills} after ${(plan.upMs / 1000).toFixed(1)} s up (${what}); back in ${restarts.at(-1)!.toFixed(1)} s`,
      );
    }

    log(`chaos over after ${elapsed()}: checking`);
    // Quiet again: no faults, the service up. Every authorizer must be serving an accepted token…
    await control.clearFaults();
    await Promise.all(
      authorizers.map((a) =>
        until(`an accepted token of ${a.id} after the chaos`, 2 * lifetimeMs + 60_000, async () =>
          (await readValid(a)).valid ? true : undefined,
        ),
      ),
    );
    // …and hold the refresh token the platform holds: a passive refresh presents it and the platform takes it.
    const finalRefresh = new Map<string, CredentialResult['finalRefresh']>();
    for (const a of authorizers) {
      const appid = a.ref.authorizerAppid;
      const before = (await control.singleUse({ platform: a.platform, appid })).total;
      const all = (await control.singleUse({ platform: a.platform })).total;
      await until(`a passive refresh of ${a.id}`, 60_000, async () =>
        (await passiveRefresh(gatewayUrl, a)) ? true : undefined,
      );
      const outcome = await until(`the last refresh of ${a.id} at the platform`, 30_000, async () => {
        const mine = (await control.singleUse({ platform: a.platform, appid })).presentations.slice(before);
        const first = mine.find((p) => p.kind === 'refresh_token');
        if (first) return first.state === 'fresh' && first.accepted ? 'accepted' : 'rejected';
        // A refresh token the platform does not know is logged without an owner.
        const strangers = (await control.singleUse({ platform: a.platform })).presentations
          .slice(all)
          .filter((p) => p.authorizerAppid === null && p.kind === 'refresh_token');
        return strangers.length > 0 || mine.length > 0 ? 'rejected' : undefined;
      }).catch(() => 'none' as const);
      finalRefresh.set(a.id, outcome);
    }
    polling = false;
    await Promise.all(pollers);
    gaps.finish(Date.now());
    log(`last refreshes checked after ${elapsed()}`);

    const statuses = new Map<string, string>();
    for (const a of authorizers) {
      const read = await readValid(a);
      statuses.set(a.id, read.valid ? 'active' : (read.status ?? 'rejected'));
    }
    const reauthList = await request(`${gatewayUrl}/v1/apps?kind=authorizer&status=reauth_required`);
    const reauthApps = ((await reauthList.body.json()) as { apps?: Array<{ workflowId?: string; id?: string }> }).apps;
    const reauthRequired = [
      ...new Set([
        ...authorizers.filter((a) => statuses.get(a.id) === 'reauth_required').map((a) => a.id),
        ...(reauthApps ?? []).map((app) => app.workflowId ?? app.id ?? JSON.stringify(app)),
      ]),
    ];

    const presentations = [
      ...(await control.singleUse({ platform: 'douyin' })).presentations,
      ...(await control.singleUse({ platform: 'baidu' })).presentations,
    ];
    const findings = singleUseFindings(presentations);
    const calls = [
      ...(await control.calls({ platform: 'douyin' })).calls,
      ...(await control.calls({ platform: 'baidu' })).calls,
    ];
    const hit: Record<string, number> = {};
    for (const call of calls) if (call.fault) hit[call.fault] = (hit[call.fault] ?? 0) + 1;
    const recoveries = calls.filter(
      (c) => (c.endpoint === PATHS.douyin.retrieve || c.endpoint === PATHS.baidu.retrieve) && c.errcode === 0,
    ).length;

    const timelineOf = (a: Authorizer, stretch: { from: number; to: number }): string[] => {
      const rows: Array<{ at: number; what: string }> = [
        ...events.filter((e) => e.authorizer === undefined || e.authorizer === a.id),
        ...calls
          // Not the business calls of the reads themselves.
          .filter((c) => c.appid === a.ref.authorizerAppid && !BUSINESS_PATHS.has(c.endpoint))
          .map((c) => ({
            at: c.at,
            what: `${c.endpoint} → ${c.status} errcode ${c.errcode}${c.fault ? ` (${c.fault})` : ''}`,
          })),
        ...presentations
          .filter((p) => p.authorizerAppid === a.ref.authorizerAppid)
          .map((p) => ({ at: p.at, what: `${p.kind} presented ${p.state}${p.accepted ? ', taken' : ''}` })),
        { at: stretch.from, what: '— first read without a valid token' },
        { at: stretch.to, what: '— valid token read again' },
      ];
      return rows
        .filter((r) => r.at >= stretch.from - 20_000 && r.at <= stretch.to + 2_000)
        .sort((x, y) => x.at - y.at)
        .map((r) => `${((r.at - stretch.from) / 1000).toFixed(1).padStart(6)} s  ${r.what}`);
    };
    const credentials: CredentialResult[] = authorizers.map((a) => {
      const marginMs = refreshMarginMs(a.platform, lifetimeMs);
      const stretch = gaps.longestStretch(a.id);
      return {
        id: a.id,
        platform: a.platform,
        longestGapMs: gaps.longestMs(a.id),
        longestGapDownMs: stretch
          ? downtimes.reduce(
              (sum, d) => sum + Math.max(0, Math.min(d.to, stretch.to) - Math.max(d.from, stretch.from)),
              0,
            )
          : 0,
        gaps: gaps.count(a.id),
        marginMs,
        finalRefresh: finalRefresh.get(a.id) ?? 'none',
        finalStatus: statuses.get(a.id) ?? 'unknown',
        ...(stretch && stretch.to - stretch.from > marginMs / 2 ? { timeline: timelineOf(a, stretch) } : {}),
      };
    });
    const lastRefreshMissed = credentials.filter((c) => c.finalRefresh !== 'accepted').length;
    const refreshTokensLost =
      findings.refreshTokensSentTwice.length + findings.staleRefreshTokens.length + lastRefreshMissed;

    const missed: string[] = [];
    if (refreshTokensLost > 0) missed.push(`${refreshTokensLost} refresh token(s) lost`);
    if (findings.codesExchangedTwice.length > 0)
      missed.push(`${findings.codesExchangedTwice.length} code(s) exchanged twice`);
    if (reauthRequired.length > 0) missed.push(`${reauthRequired.length} credential(s) reauth_required`);
    for (const id of everReauth) if (!reauthRequired.includes(id)) missed.push(`${id} was reauth_required meanwhile`);
    for (const c of credentials) {
      if (c.longestGapMs > c.marginMs)
        missed.push(`${c.id}: ${c.longestGapMs} ms without a valid token > ${c.marginMs} ms margin`);
    }
    if (readErrors > 0) log(`${readErrors} reads failed (Temporal or sandbox unreachable): not counted`);

    return {
      options,
      wallSeconds: (Date.now() - started) / 1000,
      kills: restarts.length,
      restartSeconds: {
        mean: restarts.reduce((s, r) => s + r, 0) / Math.max(1, restarts.length),
        max: Math.max(0, ...restarts),
      },
      faults: { armed, hit },
      passiveRefreshes: passive,
      reauthorizations,
      refreshesAccepted: findings.refreshesAccepted,
      codesAccepted: findings.codesAccepted,
      recoveries,
      refreshTokensSentTwice: findings.refreshTokensSentTwice,
      staleRefreshTokens: findings.staleRefreshTokens,
      refreshTokensLost,
      codesExchangedTwice: findings.codesExchangedTwice,
      reauthRequired,
      credentials,
      missed,
    };
  } catch (err) {
    if (service) log(`service output (tail):\n${service.output().slice(-4000)}`);
    throw err;
  } finally {
    polling = false;
    await Promise.allSettled(pollers);
    await fleet.stop();
  }
}

/** The report as printed by `npm run bench:chaos`. */
export function formatChaosReport(report: ChaosReport): string {
  const o = report.options;
  const margins = [...new Set(report.credentials.map((c) => `${c.platform} ${(c.marginMs / 1000).toFixed(1)} s`))];
  const worst = [...report.credentials].sort((a, b) => b.longestGapMs - a.longestGapMs);
  const rows: [string, string][] = [
    ['seed', String(o.seed)],
    [
      'SIGKILLs (each restarted)',
      `${report.kills}, restart mean ${report.restartSeconds.mean.toFixed(1)} s, max ${report.restartSeconds.max.toFixed(1)} s`,
    ],
    [
      'authorizers',
      `${o.authorizersPerPlatform} Douyin + ${o.authorizersPerPlatform} Baidu, tokens live ${o.tokenLifetimeS} s (time ×${o.timeScale}), up ${o.upSeconds.join('–')} s between kills, sticky queue timeout ${o.stickyTimeoutMs !== undefined ? `${o.stickyTimeoutMs} ms` : 'default'}`,
    ],
    ['faults armed / hit', `${JSON.stringify(report.faults.armed)} / ${JSON.stringify(report.faults.hit)}`],
    ['re-authorizations (codes pushed)', String(report.reauthorizations)],
    [
      'passive refreshes requested (answered)',
      `${report.passiveRefreshes.requested} (${report.passiveRefreshes.answered})`,
    ],
    [
      'refreshes / code exchanges the platform took',
      `${report.refreshesAccepted} / ${report.codesAccepted} (recoveries: ${report.recoveries} codes retrieved)`,
    ],
    [
      'refresh tokens lost (target 0)',
      `${report.refreshTokensLost} (sent twice ${report.refreshTokensSentTwice.length}, stale ${report.staleRefreshTokens.length}, last refresh not the platform's ${report.credentials.filter((c) => c.finalRefresh !== 'accepted').length})`,
    ],
    ['codes exchanged twice (target 0)', String(report.codesExchangedTwice.length)],
    ['credentials reauth_required (target 0)', String(report.reauthRequired.length)],
    ['refresh margin', margins.join(', ')],
    [
      'longest stretch without a valid token',
      worst.length
        ? `${(worst[0]!.longestGapMs / 1000).toFixed(1)} s (${worst[0]!.id}; reads every ${o.pollMs} ms)`
        : '—',
    ],
    ['wall time', `${(report.wallSeconds / 60).toFixed(1)} min`],
  ];
  const lines = rows.map(([name, value]) => `${name.padEnd(46)} ${value}`);
  lines.push('', 'per credential: longest stretch (service down for) / margin, stretches, last refresh, status');
  const sec = (ms: number) => (ms / 1000).toFixed(1);
  for (const c of report.credentials) {
    lines.push(
      `  ${c.id.padEnd(24)} ${sec(c.longestGapMs).padStart(5)} s (${sec(c.longestGapDownMs).padStart(4)} s) / ${sec(c.marginMs)} s  ${String(c.gaps).padStart(3)}  ${c.finalRefresh.padEnd(8)} ${c.finalStatus}`,
    );
  }
  for (const c of report.credentials) {
    if (c.timeline)
      lines.push('', `${c.id}: the longest stretch without a valid token`, ...c.timeline.map((l) => `  ${l}`));
  }
  for (const p of [...report.refreshTokensSentTwice, ...report.staleRefreshTokens, ...report.codesExchangedTwice]) {
    lines.push(
      `  ! ${p.platform} ${p.kind} ${p.valuePrefix}… of ${p.authorizerAppid ?? '?'} presented ${p.state} at ${p.at}`,
    );
  }
  lines.push('', report.missed.length ? `MISSED: ${report.missed.join('; ')}` : 'all targets met');
  return lines.join('\n');
}
