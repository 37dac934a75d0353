/**
 * Single-use refresh tokens are never lost by us (invariant 3), Douyin and Baidu over real HTTP (dev
 * server + sandbox at ×100, access tokens living 3 s): a refresh whose answer is dropped after the
 * platform performed it — 20 of them — is recovered by retrieving a fresh authorization code and
 * exchanging it, never by re-sending the used refresh token, and nothing ends in reauth_required;
 * so is one whose answer comes back garbled (garble_response), the sandbox seeing no value twice;
 * in both error envelopes a busy answer retries the same refresh token, a rejected one is recovered
 * and "no authorization" on retrieval is reauth_required at once; an ambiguous first exchange of a
 * code (dropped or garbled) is recovered by the authorizer, the code sent once. Access and refresh tokens never show in
 * history in the clear.
 */
import { request } from 'undici';
import { authCodeWorkflowId } from '../../client/credentials';
import type { AuthCodeResult } from '../../workflows/auth-code';
import type { CredentialDescription } from '../../workflows/messages';
import { eventually } from '../harness/eventually';
import type { Stack, TpStackComponent } from '../harness/stack';
import {
  acceptedToken,
  authorizeByEvent as authorizeTp,
  authorizerHandle,
  describeAuthorizer,
  startTpStack,
  type TpKind,
  type TpStack,
} from '../harness/tp-authorizers';

let tpStack: TpStack;
let stack: Stack;
let gatewayUrl: string;
let tp: TpStack['tp'];
beforeAll(async () => {
  tpStack = await startTpStack();
  ({ stack, gatewayUrl, tp } = tpStack);
}, 60_000);
afterAll(async () => {
  await tpStack?.teardown();
});

const authorizeByEvent = (platform: TpKind, c: TpStackComponent, n: number) => authorizeTp(stack, platform, c, n);

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
    // Tokens live 3 s here: judge the description taken with the accepted token, since a later look
    // may catch the next scheduled refresh in flight ('refreshing').
    let recovered: CredentialDescription | undefined;
    await acceptedToken(stack.client, stack.sandbox.url, a.platform, tp[a.platform].componentAppid, a.appid, {
      where: (d) => {
        recovered = d;
        return (
          d.status === 'active' &&
          Number(d.settings['refresh-token recoveries']) >= 1 &&
          d.settings['recovery pending'] === '—'
        );
      },
    });
    expect(String(recovered?.settings['last recovery'])).toMatch(/^ambiguous refresh \(network\) → recovered/);
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

it('garble_response on the refresh endpoint (refreshed, answer unreadable): recovered by a retrieved code, no refresh token sent twice', async () => {
  const path = { douyin: '/api/tpapp/v2/auth/get_auth_token/', baidu: '/rest/2.0/oauth/token' } as const;
  for (const platform of ['douyin', 'baidu'] as const) {
    const c = tp[platform];
    const appids = [await authorizeByEvent(platform, c, 300), await authorizeByEvent(platform, c, 301)];
    await Promise.all(appids.map((a) => acceptedToken(stack.client, stack.sandbox.url, platform, c.componentAppid, a)));
    const faultIds = await Promise.all(
      appids.map((appid) =>
        stack.sandbox.control.addFault({ path: path[platform], kind: 'garble_response', appid, times: 1 }),
      ),
    );
    await eventually(
      async () => {
        const open = new Set((await stack.sandbox.control.faults()).map((f) => f.id));
        return faultIds.every((id) => !open.has(id)) ? true : undefined;
      },
      30_000,
      `${platform} garble_response faults hit`,
    );
    for (const appid of appids) {
      // The platform did refresh: HTTP 200 logged, the body garbled on the way.
      const garbled = (await stack.sandbox.control.calls({ platform, endpoint: path[platform], appid })).calls.filter(
        (call) => call.fault === 'garble_response',
      );
      expect(garbled).toEqual([expect.objectContaining({ status: 200, errcode: 0 })]);
      await acceptedToken(stack.client, stack.sandbox.url, platform, c.componentAppid, appid, {
        where: (d) => Number(d.settings['refresh-token recoveries']) >= 1 && d.settings['recovery pending'] === '—',
      });
      const d = await describeAuthorizer(stack.client, platform, c.componentAppid, appid);
      expect(String(d.settings['last recovery'])).toMatch(/^ambiguous refresh \(malformed\) → recovered/);
      // The sandbox saw every refresh token and code once: none presented after it was spent.
      const { presentations } = await stack.sandbox.control.singleUse({ platform, appid });
      expect(presentations.filter((p) => p.kind === 'refresh_token').length).toBeGreaterThanOrEqual(1);
      expect(presentations.filter((p) => p.state === 'used')).toEqual([]);
    }
  }
}, 90_000);

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

it.each(['drop_response', 'garble_response'] as const)(
  'an ambiguous first exchange (%s on the code) is recovered by the authorizer, and the code is sent once',
  async (kind) => {
    const exchangePath = { douyin: '/api/tpapp/v2/auth/get_auth_token/', baidu: '/rest/2.0/oauth/token' } as const;
    for (const platform of ['douyin', 'baidu'] as const) {
      const c = tp[platform];
      const appid =
        platform === 'douyin'
          ? `ttlostcode${Date.now() % 100000}`
          : String(40000001 + (kind === 'drop_response' ? 0 : 1));
      await stack.sandbox.control.addFault({ path: exchangePath[platform], kind, appid, times: 1 });
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
      const code = kind === 'drop_response' ? 'network' : 'malformed';
      expect(String(d.settings['last recovery'])).toMatch(new RegExp(`^ambiguous exchange \\(${code}\\) → recovered`));
      const { presentations } = await stack.sandbox.control.singleUse({ platform, appid });
      const codes = presentations.filter((p) => p.kind === 'authorization_code');
      // The pushed code once, then the retrieved one once: no code presented after it was spent.
      expect(codes.length).toBeGreaterThanOrEqual(2);
      expect(codes.filter((p) => p.state !== 'fresh')).toEqual([]);
      expect(codes[0]!.valuePrefix).toBe(outcome.authorizationCode.slice(0, 12));
    }
  },
  60_000,
);
