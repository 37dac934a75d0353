/**
 * Douyin and Baidu authorizers from authorization to steady state, over real HTTP (dev server +
 * sandbox at ×100, so authorization codes live 36 s while access tokens are configured to live 3 s):
 * AUTHORIZED events pushed to the gateway authorize; authorizers nobody reads refresh over many
 * cycles, keeping a short-lived Douyin refresh token alive on their own schedule; the gateway,
 * TokenClient.withToken and each platform's business API accept the tokens, and a caller's answer
 * in the platform's own envelope is recognised as a rejected token; the gateway lists a component's
 * authorizers. The authorization link leads to the platform page and the redirect callback; Baidu
 * resolves the app id through app info for a redirect and takes it from the event otherwise.
 */
import { request } from 'undici';
import { authCodeWorkflowId } from '../../client/credentials';
import type { AuthCodeResult } from '../../workflows/auth-code';
import { eventually } from '../harness/eventually';
import type { Stack, TpStackComponent } from '../harness/stack';
import {
  acceptedToken,
  acceptedWithin,
  authorizeByEvent as authorizeTp,
  businessCall,
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
          // Not mid-refresh: with 3 s tokens the next one may already be in flight.
          return d.version >= first[i]!.version + cycles && d.status !== 'refreshing' ? d : undefined;
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
    const viaGateway = await acceptedWithin(3, async () => {
      const response = await request(
        `${gatewayUrl}/v1/tokens/authorizer/${a.platform}/${tp[a.platform].componentAppid}/${a.appid}`,
      );
      const body = (await response.body.json()) as { access_token: string };
      expect(response.statusCode).toBe(200);
      return businessCall(stack.sandbox.url, a.platform, body.access_token);
    });
    expect(viaGateway).toBe(0);
    const ref = {
      kind: 'authorizer',
      platform: a.platform,
      componentAppid: tp[a.platform].componentAppid,
      authorizerAppid: a.appid,
    } as const;
    const code = await acceptedWithin(3, () =>
      stack.tokens.withToken(ref, (token) => businessCall(stack.sandbox.url, a.platform, token)),
    );
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
    // The callback, carrying the signed state without which it would leave the code to the push.
    expect(redirectUri.split('?')[0]).toBe(`${gatewayUrl}/v1/authorize/${platform}/${c.componentAppid}/callback`);
    expect(new URL(redirectUri).searchParams.get('state')).toBeTruthy();
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
  // Baidu AUTHORIZED event: the app id comes from the event; app info is called once, for the
  // granted permissions (the exchange answer lists none), not again for the id.
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
  expect(after).toBe(before + 1);
}, 90_000);
