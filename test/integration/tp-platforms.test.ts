/**
 * Douyin and Baidu third-party platforms over real HTTP (dev server + sandbox, sandbox time ×100,
 * so authorization codes live 36 s while access tokens are configured to live 3 s): pushes start
 * the component workflows, events and redirects authorize, authorizers refresh over many cycles
 * with nobody reading them (keep-alive outlives a short refresh-token lifetime), the drop_response
 * fault (refresh done, answer lost) is recovered 20 times without reauth_required, and bad pushes
 * are rejected with nothing signalled.
 */
import { request } from 'undici';
import { buildBaiduPush } from '../../platforms/baidu/push-crypto';
import { buildDouyinPush } from '../../platforms/douyin/push-crypto';
import { authCodeWorkflowId } from '../../client/credentials';
import { componentWorkflowId } from '../../workflows/credential-ids';
import type { AuthCodeResult } from '../../workflows/auth-code';
import { eventually, startStack, type Stack, type TpStackComponent } from '../harness/stack';
import { acceptedToken, authorizerHandle, businessCall, describeAuthorizer, type TpKind } from './tp-helpers';

let stack: Stack;
let gatewayUrl: string;
const tp: Record<TpKind, TpStackComponent> = {} as Record<TpKind, TpStackComponent>;
/** Third-party apps whose pushes are only ever forged: their component workflows must never exist. */
const quiet: Record<TpKind, TpStackComponent> = {} as Record<TpKind, TpStackComponent>;

async function startTickets(platform: TpKind, c: TpStackComponent) {
  if (platform === 'douyin') await stack.sandbox.control.startDouyinTickets(c.componentAppid);
  else await stack.sandbox.control.startBaiduTickets(c.componentAppid);
}

async function componentReady(platform: TpKind, c: TpStackComponent) {
  await eventually(
    async () => {
      const response = await request(`${gatewayUrl}/v1/tokens/component/${platform}/${c.componentAppid}`);
      await response.body.dump();
      return response.statusCode === 200 ? true : undefined;
    },
    30_000,
    `${platform} component token`,
  );
}

/** Authorizes through the AUTHORIZED event pushed to the gateway; returns the authorizer app id. */
async function authorizeByEvent(platform: TpKind, c: TpStackComponent, n: number): Promise<string> {
  if (platform === 'douyin') {
    const outcome = await stack.sandbox.control.douyinAuthorize(c.componentAppid, {
      authorizerAppid: `ttmini${n}${Date.now() % 100000}`,
    });
    return outcome.authorizerAppid;
  }
  const outcome = await stack.sandbox.control.baiduAuthorize(c.componentAppid, { appId: 10_000_000 + n });
  return String(outcome.appId);
}

beforeAll(async () => {
  stack = await startStack({ timeScale: 100 });
  gatewayUrl = await stack.startGateway();
  // Access tokens live 3 s (sandbox ×100); the Douyin refresh token only 9 s unless kept alive.
  tp.douyin = await stack.addTpComponent('douyin', {
    durations: { accessTokenLifetime: 300, refreshTokenLifetime: 900 },
  });
  tp.baidu = await stack.addTpComponent('baidu', { durations: { accessTokenLifetime: 300 } });
  quiet.douyin = await stack.addTpComponent('douyin');
  quiet.baidu = await stack.addTpComponent('baidu');
  await Promise.all((['douyin', 'baidu'] as const).map((p) => startTickets(p, tp[p])));
  await Promise.all((['douyin', 'baidu'] as const).map((p) => componentReady(p, tp[p])));
}, 60_000);
afterAll(async () => {
  if (tp.douyin) await stack?.sandbox.control.pauseDouyinTickets(tp.douyin.componentAppid);
  if (tp.baidu) await stack?.sandbox.control.pauseBaiduTickets(tp.baidu.componentAppid);
  await stack?.teardown();
});

it('lifecycles: events authorize, authorizers refresh over many cycles unread (keep-alive), reads recognise token errors', async () => {
  const authorizers: Array<{ platform: TpKind; appid: string }> = [];
  for (const platform of ['douyin', 'baidu'] as const) {
    for (let n = 1; n <= 2; n++)
      authorizers.push({ platform, appid: await authorizeByEvent(platform, tp[platform], n) });
  }
  const first = await Promise.all(
    authorizers.map((a) =>
      acceptedToken(stack.client, stack.sandbox.url, a.platform, tp[a.platform].componentAppid, a.appid),
    ),
  );

  // Nobody reads them for ≥ 8 refresh cycles (3 s tokens): 24 s ≫ the Douyin refresh token's 9 s.
  const started = Date.now();
  const cycles = 8;
  const final = await Promise.all(
    authorizers.map((a, i) =>
      eventually(
        async () => {
          const d = await describeAuthorizer(stack.client, a.platform, tp[a.platform].componentAppid, a.appid);
          return d.version >= first[i]!.version + cycles ? d : undefined;
        },
        60_000,
        `${cycles} refresh cycles of ${a.appid}`,
      ),
    ),
  );
  expect(Date.now() - started).toBeGreaterThan(9_000);
  for (const d of final) {
    expect(d.status).toBe('active');
    // Kept alive by its own schedule, not rescued by recovery.
    expect(d.settings['refresh-token recoveries']).toBe(0);
    expect(d.settings['refresh token']).toBe('single use');
  }
  for (const a of authorizers) {
    // Read paths: gateway and TokenClient.withToken with each platform's business API.
    const response = await request(
      `${gatewayUrl}/v1/tokens/authorizer/${a.platform}/${tp[a.platform].componentAppid}/${a.appid}`,
    );
    const body = (await response.body.json()) as { access_token: string };
    expect(response.statusCode).toBe(200);
    expect(await businessCall(stack.sandbox.url, a.platform, body.access_token)).toBe(0);
    const ref = {
      kind: 'authorizer',
      platform: a.platform,
      componentAppid: tp[a.platform].componentAppid,
      authorizerAppid: a.appid,
    } as const;
    const code = await stack.tokens.withToken(ref, (token) => businessCall(stack.sandbox.url, a.platform, token));
    expect(code).toBe(0);
    // A caller's answer in the platform's own envelope ({err_no: 40020} / {errno: 44003}) is recognised:
    // the token is reported once (a passive single-use refresh) and the call repeated with the fresh one.
    const tokensSeen: string[] = [];
    const answer = await stack.tokens.withToken(ref, async (token) => {
      tokensSeen.push(token);
      if (tokensSeen.length === 1) return a.platform === 'douyin' ? { err_no: 40020 } : { errno: 44003 };
      return { code: await businessCall(stack.sandbox.url, a.platform, token) };
    });
    expect(answer).toEqual({ code: 0 });
    expect(tokensSeen).toHaveLength(2);
    expect(tokensSeen[1]).not.toBe(tokensSeen[0]);
  }
  // Listing a component's authorizers works for both platforms.
  for (const platform of ['douyin', 'baidu'] as const) {
    const response = await request(`${gatewayUrl}/v1/apps?component=${tp[platform].componentAppid}`);
    const { apps } = (await response.body.json()) as {
      apps: Array<{ appid: string; platform: string; status: string }>;
    };
    const mine = authorizers.filter((a) => a.platform === platform).map((a) => a.appid);
    expect(apps.map((x) => x.appid).sort()).toEqual(expect.arrayContaining(mine));
    expect(apps.every((x) => x.platform === platform)).toBe(true);
  }
}, 120_000);

it('authorization link → page → redirect callback; Baidu resolves the app id via app info, events carry it', async () => {
  for (const platform of ['douyin', 'baidu'] as const) {
    const c = tp[platform];
    const link = await request(`${gatewayUrl}/v1/authorize/${platform}/${c.componentAppid}?format=json`);
    const { url } = (await link.body.json()) as { url: string };
    expect(link.statusCode).toBe(200);
    const page = new URL(url);
    const preAuthCode = page.searchParams.get('pre_auth_code')!;
    const redirectUri = page.searchParams.get('redirect_uri')!;
    expect(redirectUri).toBe(`${gatewayUrl}/v1/authorize/${platform}/${c.componentAppid}/callback`);
    // No push channel during the authorization: only the redirect delivers the code.
    const detach = { callbackUrl: null };
    const attach = { callbackUrl: `${gatewayUrl}/v1/push/${platform}/${c.componentAppid}` };
    let redirect: string | null;
    let authorizerAppid: string;
    if (platform === 'douyin') {
      await stack.sandbox.control.updateDouyinTpApp(c.componentAppid, detach);
      const outcome = await stack.sandbox.control
        .douyinAuthorize(c.componentAppid, {
          authorizerAppid: `ttredir${Date.now() % 100000}`,
          preAuthCode,
          redirectUri,
        })
        .finally(() => stack.sandbox.control.updateDouyinTpApp(c.componentAppid, attach));
      redirect = outcome.redirect;
      authorizerAppid = outcome.authorizerAppid;
    } else {
      await stack.sandbox.control.updateBaiduTpApp(c.componentAppid, detach);
      const outcome = await stack.sandbox.control
        .baiduAuthorize(c.componentAppid, { appId: 20_000_001, preAuthCode, redirectUri })
        .finally(() => stack.sandbox.control.updateBaiduTpApp(c.componentAppid, attach));
      redirect = outcome.redirect;
      authorizerAppid = String(outcome.appId);
    }
    expect(new URL(redirect!).searchParams.get('authorization_code')).toBeTruthy();
    const callback = await request(redirect!);
    const answer = (await callback.body.json()) as { status: string; authorizer_appid: string };
    expect(callback.statusCode).toBe(200);
    expect(answer).toMatchObject({ status: 'authorized', authorizer_appid: authorizerAppid });
    const code = new URL(redirect!).searchParams.get('authorization_code')!;
    const result: AuthCodeResult = await stack.client.workflow
      .getHandle(authCodeWorkflowId({ platform, componentAppid: c.componentAppid, code }))
      .result();
    expect(result.appidFrom).toBe(platform === 'baidu' ? 'app_info' : 'exchange');
    await acceptedToken(stack.client, stack.sandbox.url, platform, c.componentAppid, authorizerAppid);
  }
  // Baidu AUTHORIZED event: the app id comes from the event, no app-info call for it.
  const before = (await stack.sandbox.control.calls({ platform: 'baidu', endpoint: '/rest/2.0/smartapp/app/info' }))
    .total;
  const outcome = await stack.sandbox.control.baiduAuthorize(tp.baidu.componentAppid, { appId: 20_000_002 });
  const result: AuthCodeResult = await eventually(
    () =>
      stack.client.workflow
        .getHandle(
          authCodeWorkflowId({
            platform: 'baidu',
            componentAppid: tp.baidu.componentAppid,
            code: outcome.authorizationCode,
          }),
        )
        .result(),
    20_000,
    'Baidu event exchange',
  );
  expect(result).toMatchObject({ authorizerAppid: '20000002', appidFrom: 'event' });
  const after = (await stack.sandbox.control.calls({ platform: 'baidu', endpoint: '/rest/2.0/smartapp/app/info' }))
    .total;
  expect(after).toBe(before);
}, 90_000);

it('drop_response on the refresh endpoint, 20 times: every authorizer recovers to an accepted token, none reauth_required', async () => {
  const perPlatform = 10;
  const authorizers: Array<{ platform: TpKind; appid: string }> = [];
  for (const platform of ['douyin', 'baidu'] as const) {
    for (let n = 0; n < perPlatform; n++) {
      authorizers.push({ platform, appid: await authorizeByEvent(platform, tp[platform], 100 + n) });
    }
  }
  await Promise.all(
    authorizers.map((a) =>
      acceptedToken(stack.client, stack.sandbox.url, a.platform, tp[a.platform].componentAppid, a.appid),
    ),
  );
  const path = { douyin: '/api/tpapp/v2/auth/get_auth_token/', baidu: '/rest/2.0/oauth/token' } as const;
  const faultIds = await Promise.all(
    authorizers.map((a) =>
      stack.sandbox.control.addFault({ path: path[a.platform], kind: 'drop_response', appid: a.appid, times: 1 }),
    ),
  );
  // Every fault is consumed by a scheduled refresh (the refresh happens upstream, its answer is lost)…
  await eventually(
    async () => {
      const open = new Set((await stack.sandbox.control.faults()).map((f) => f.id));
      return faultIds.every((id) => !open.has(id)) ? true : undefined;
    },
    30_000,
    'all drop_response faults hit',
  );
  const drops = await Promise.all(
    (['douyin', 'baidu'] as const).map(
      async (platform) =>
        (await stack.sandbox.control.calls({ platform, endpoint: path[platform] })).calls.filter(
          (call) => call.fault === 'drop_response',
        ).length,
    ),
  );
  expect(drops[0]! + drops[1]!).toBeGreaterThanOrEqual(20);
  // …and every authorizer recovers (retrieve code + exchange) to a token the platform accepts.
  for (const a of authorizers) {
    await acceptedToken(stack.client, stack.sandbox.url, a.platform, tp[a.platform].componentAppid, a.appid, {
      where: (d) => Number(d.settings['refresh-token recoveries']) >= 1 && d.settings['recovery pending'] === '—',
    });
    const d = await describeAuthorizer(stack.client, a.platform, tp[a.platform].componentAppid, a.appid);
    expect(d.status).toBe('active');
    expect(String(d.settings['last recovery'])).toMatch(/^ambiguous refresh \(network\) → recovered/);
  }
  const reauth = await request(`${gatewayUrl}/v1/apps?kind=authorizer&status=reauth_required`);
  expect(((await reauth.body.json()) as { apps: unknown[] }).apps).toEqual([]);
  // Tokens, refresh tokens and retrieved codes travel only in encrypted payloads.
  const secrets: string[] = [];
  for (const a of authorizers.slice(0, 2).concat(authorizers.slice(-2))) {
    const history = JSON.stringify(
      await authorizerHandle(stack.client, a.platform, tp[a.platform].componentAppid, a.appid).fetchHistory(),
    );
    const view =
      a.platform === 'douyin'
        ? (await stack.sandbox.control.douyinTpApp(tp.douyin.componentAppid)).authorizers.find(
            (x) => x.authorizerAppid === a.appid,
          )
        : (await stack.sandbox.control.baiduTpApp(tp.baidu.componentAppid)).authorizers.find(
            (x) => String(x.appId) === a.appid,
          );
    for (const value of [view?.accessToken, view?.refreshToken]) {
      if (!value) continue;
      secrets.push(value);
      expect(history.includes(value)).toBe(false);
    }
    expect(history).toContain('retrieveAuthorizationCode');
  }
  expect(secrets.length).toBeGreaterThan(0);
}, 120_000);

it('bad pushes (forged, wrong trailer, stale, malformed, oversized, replayed) are rejected and nothing is signalled', async () => {
  const now = () => String(Math.floor(Date.now() / 1000));
  for (const platform of ['douyin', 'baidu'] as const) {
    const c = quiet[platform];
    const url = `${gatewayUrl}/v1/push/${platform}/${c.componentAppid}`;
    const ticket =
      platform === 'douyin'
        ? {
            Ticket: 'ticket-x',
            FromUserName: 'ByteDanceMicroApp',
            CreateTime: '2026-01-01 00:00:00',
            MsgType: 'Ticket' as const,
            Event: 'PUSH' as const,
          }
        : {
            Ticket: 'ticket-x',
            FromUserName: 'SmartAPP',
            CreateTime: 1700000000,
            MsgType: 'ticket' as const,
            Event: 'push' as const,
          };
    const build = (overrides: { trailer?: string; timestamp?: string; message?: string } = {}) =>
      platform === 'douyin'
        ? buildDouyinPush({
            token: c.token,
            encodingAESKey: c.encodingAESKey,
            tpAppid: overrides.trailer ?? c.componentAppid,
            message: overrides.message ?? (ticket as never),
            timestamp: overrides.timestamp ?? now(),
            nonce: String(Math.random()).slice(2, 10),
          }).body
        : buildBaiduPush({
            token: c.token,
            encodingAESKey: c.encodingAESKey,
            clientId: overrides.trailer ?? c.componentAppid,
            message: overrides.message ?? (ticket as never),
            timestamp: overrides.timestamp ?? now(),
            nonce: String(Math.random()).slice(2, 10),
          }).body;
    const post = async (body: string) => {
      const response = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const text = await response.body.text();
      return { status: response.statusCode, text };
    };
    const forged = JSON.parse(build()) as Record<string, string>;
    forged.MsgSignature = forged.MsgSignature!.replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a'));
    const bad: Array<[string, string, number]> = [
      ['forged signature', JSON.stringify(forged), 400],
      ['wrong trailer', build({ trailer: 'someone-else' }), 400],
      ['stale timestamp', build({ timestamp: String(Math.floor(Date.now() / 1000) - 3600) }), 400],
      ['not JSON', '<xml>nope</xml>', 400],
      ['envelope without Encrypt', JSON.stringify({ Nonce: '1', TimeStamp: now(), MsgSignature: 'a'.repeat(40) }), 400],
      ['payload not a known message', build({ message: '{"hello":"world"}' }), 400],
      ['oversized', JSON.stringify({ pad: 'x'.repeat(70 * 1024) }), 413],
    ];
    for (const [what, body, status] of bad) {
      const answer = await post(body);
      expect({ what, status: answer.status }).toEqual({ what, status });
      expect(answer.text).not.toBe('success');
    }
    await expect(
      stack.client.workflow.getHandle(componentWorkflowId(platform, c.componentAppid)).describe(),
    ).rejects.toThrow();
    // A good push is accepted once; the same push again is a replay.
    const good = build();
    expect(await post(good)).toEqual({ status: 200, text: 'success' });
    expect((await post(good)).status).toBe(409);
    await stack.client.workflow.getHandle(componentWorkflowId(platform, c.componentAppid)).describe();
  }
}, 60_000);

it('both error envelopes: busy retries the same refresh token, a rejected one is recovered, "no authorization" is reauth_required', async () => {
  const refreshPath = { douyin: '/api/tpapp/v2/auth/get_auth_token/', baidu: '/rest/2.0/oauth/token' } as const;
  const retrievePath = {
    douyin: '/api/tpapp/v2/auth/retrieve_auth_code/',
    baidu: '/rest/2.0/smartapp/auth/retrieve/authorizationcode',
  } as const;
  /** Platform answers injected into the next refresh: Douyin `{err_no}` envelope, Baidu OAuth HTTP 400 / 503. */
  const rejected = { douyin: { code: 40021 }, baidu: { code: 400, message: 'invalid_grant' } } as const;
  const noAuthorization = { douyin: { code: 40022 }, baidu: { code: 50032 } } as const;
  for (const platform of ['douyin', 'baidu'] as const) {
    const c = tp[platform];
    const [busy, reject, gone] = [
      await authorizeByEvent(platform, c, 200),
      await authorizeByEvent(platform, c, 201),
      await authorizeByEvent(platform, c, 202),
    ];
    const views = await Promise.all(
      [busy, reject, gone].map((a) => acceptedToken(stack.client, stack.sandbox.url, platform, c.componentAppid, a)),
    );
    await stack.sandbox.control.addFault({ path: refreshPath[platform], kind: 'busy', appid: busy, times: 2 });
    await stack.sandbox.control.addFault({
      path: refreshPath[platform],
      kind: 'error',
      appid: reject,
      times: 1,
      ...rejected[platform],
    });
    await stack.sandbox.control.addFault({
      path: refreshPath[platform],
      kind: 'error',
      appid: gone,
      times: 1,
      ...rejected[platform],
    });
    await stack.sandbox.control.addFault({
      path: retrievePath[platform],
      kind: 'error',
      appid: gone,
      times: 1,
      ...noAuthorization[platform],
    });

    // Busy: a definite "nothing done" answer; the same refresh token works afterwards, no recovery.
    const afterBusy = await acceptedToken(stack.client, stack.sandbox.url, platform, c.componentAppid, busy, {
      minVersion: views[0]!.version + 2,
      where: (d) => d.refreshes > 0,
    });
    expect(afterBusy.status).toBe('active');
    const busyCalls = (await stack.sandbox.control.calls({ platform, endpoint: refreshPath[platform], appid: busy }))
      .calls;
    expect(busyCalls.filter((call) => call.fault === 'busy')).toHaveLength(2);
    let d = await describeAuthorizer(stack.client, platform, c.componentAppid, busy);
    expect(d.settings['refresh-token recoveries']).toBe(0);

    // Rejected refresh token (40021 / invalid_grant): recovered by retrieve + exchange.
    await acceptedToken(stack.client, stack.sandbox.url, platform, c.componentAppid, reject, {
      where: (x) => x.settings['refresh-token recoveries'] === 1 && x.settings['recovery pending'] === '—',
    });
    d = await describeAuthorizer(stack.client, platform, c.componentAppid, reject);
    expect(String(d.settings['last recovery'])).toMatch(
      /^refresh token rejected \((40021|invalid_grant)\) → recovered/,
    );

    // Retrieval says there is no authorization (40022 / 50032): reauth_required at once.
    d = await eventually(
      async () => {
        const x = await describeAuthorizer(stack.client, platform, c.componentAppid, gone);
        return x.status === 'reauth_required' ? x : undefined;
      },
      20_000,
      `${platform} reauth_required`,
    );
    expect(d.lastError?.code).toBe(String(noAuthorization[platform].code));
    expect(String(d.settings['last recovery'])).toMatch(/retrieve: authorization gone/);
    const response = await request(`${gatewayUrl}/v1/apps?component=${c.componentAppid}&status=reauth_required`);
    const { apps } = (await response.body.json()) as { apps: Array<{ appid: string }> };
    expect(apps.map((x) => x.appid)).toEqual([gone]);
  }
}, 90_000);

it('an ambiguous first exchange (drop_response on the code) is recovered by the authorizer, not lost', async () => {
  const exchangePath = { douyin: '/api/tpapp/v2/auth/get_auth_token/', baidu: '/rest/2.0/oauth/token' } as const;
  for (const platform of ['douyin', 'baidu'] as const) {
    const c = tp[platform];
    const appid = platform === 'douyin' ? `ttlostcode${Date.now() % 100000}` : '40000001';
    await stack.sandbox.control.addFault({ path: exchangePath[platform], kind: 'drop_response', appid, times: 1 });
    const outcome =
      platform === 'douyin'
        ? await stack.sandbox.control.douyinAuthorize(c.componentAppid, { authorizerAppid: appid })
        : await stack.sandbox.control.baiduAuthorize(c.componentAppid, { appId: Number(appid) });
    const result: AuthCodeResult = await eventually(
      () =>
        stack.client.workflow
          .getHandle(
            authCodeWorkflowId({ platform, componentAppid: c.componentAppid, code: outcome.authorizationCode }),
          )
          .result(),
      20_000,
      'exchange outcome',
    );
    expect(result).toMatchObject({ authorizerAppid: appid, recovering: true });
    await acceptedToken(stack.client, stack.sandbox.url, platform, c.componentAppid, appid, {
      where: (d) => d.settings['refresh-token recoveries'] === 1,
    });
    const d = await describeAuthorizer(stack.client, platform, c.componentAppid, appid);
    expect(String(d.settings['last recovery'])).toMatch(/^ambiguous exchange \(network\) → recovered/);
  }
}, 60_000);
