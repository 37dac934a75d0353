/**
 * WeChat Open Platform authorization and authorizer tokens over real HTTP (sandbox time ×2000, a
 * 7200 s token lives 3.6 s). At ×2000 an authorization code would live 0.3 s, shorter than a loaded
 * two-core machine takes to hand it on, so codes are issued at ×100 (6 s) and exchanged tokens
 * shortened afterwards by a passive refresh. Redirect and event deliveries exchange each code once,
 * authorizer tokens refresh over many cycles, 61023 is recovered, re-authorization replaces tokens
 * and permissions, de-authorization stops refreshing.
 */
import { request } from 'undici';
import type { TokenView } from '../../workflows/messages';
import { eventually } from '../harness/eventually';
import { startStack, type Stack, type StackComponent } from '../harness/stack';
import { wechatBusinessCall } from '../harness/apps';
import { readyWechatComponent, type ReadyWechatComponent } from '../harness/wechat-authorizers';

let stack: Stack;
let gatewayUrl: string;
let wechat: ReadyWechatComponent;
let c: StackComponent;
beforeAll(async () => {
  stack = await startStack({ timeScale: 2000 });
  wechat = await readyWechatComponent(stack);
  ({ component: c, gatewayUrl } = wechat);
});
afterAll(async () => {
  await stack?.sandbox.control.pauseTickets(c.componentAppid);
  await stack?.teardown();
});

const handle = (a: string) => wechat.handle(a);
const describeAuthorizer = (a: string) => wechat.describeAuthorizer(a);
const tokenOf = (a: string) => wechat.tokenOf(a);

async function exchanges(): Promise<number> {
  return (
    await stack.sandbox.control.calls({
      platform: 'wechat',
      endpoint: '/cgi-bin/component/api_query_auth',
      appid: c.componentAppid,
    })
  ).total;
}

async function gatewayToken(a: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(`${gatewayUrl}/v1/tokens/authorizer/wechat/${c.componentAppid}/${a}`);
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

async function activeToken(a: string, minVersion = 1): Promise<TokenView> {
  return eventually(
    async () => {
      const view = await tokenOf(a);
      return view.status === 'active' && view.version >= minVersion ? view : undefined;
    },
    20_000,
    `active token of ${a} (version ≥ ${minVersion})`,
  );
}

const FAST = 2000;
const CODE_SCALE = 100;
const setScale = (timeScale: number) => stack.sandbox.control.setClock({ timeScale });

/** Authorizes at ×100 so the code outlives its hand-over, then back to ×2000 with a short-lived token. */
async function authorizeAndShorten(authorizerAppid: string, funcInfo: number[]): Promise<TokenView> {
  const before = await tokenOf(authorizerAppid).catch(() => undefined);
  await setScale(CODE_SCALE);
  let view: TokenView;
  try {
    await stack.sandbox.control.authorize(c.componentAppid, { authorizerAppid, funcInfo, deliver: 'event' });
    view = await eventually(async () => {
      const x = await tokenOf(authorizerAppid);
      const d = await describeAuthorizer(authorizerAppid);
      const replaced = !before?.accessToken || x.version > before.version;
      return x.status === 'active' && replaced && d.permissions?.join() === funcInfo.join() ? x : undefined;
    });
  } finally {
    await setScale(FAST);
  }
  const ref = { kind: 'authorizer', platform: 'wechat', componentAppid: c.componentAppid, authorizerAppid } as const;
  await stack.tokens.reportInvalid(ref, view.accessToken!);
  return view;
}

/**
 * Not a wait for a condition: these tests assert that NO second exchange follows, and silence is
 * the only evidence of that. A duplicate would be a second auth-code run reaching the platform
 * within milliseconds of the first, so 1.5 s of quiet is plenty.
 */
const quietWindow = () => new Promise((resolve) => setTimeout(resolve, 1500));
const callbackUrl = () => `${gatewayUrl}/v1/authorize/wechat/${c.componentAppid}/callback`;
/** The redirect_uri an authorization link carries: the callback with its signed state. */
const signedCallbackUrl = async () => {
  const link = await request(`${gatewayUrl}/v1/authorize/wechat/${c.componentAppid}?format=json`);
  const { url } = (await link.body.json()) as { url: string };
  return new URL(url).searchParams.get('redirect_uri')!;
};

describe('authorization (codes issued at ×100)', () => {
  beforeAll(() => setScale(CODE_SCALE));
  afterAll(() => setScale(FAST));

  it('authorization link → platform page → redirect callback: one exchange, token served', async () => {
    const link = await request(`${gatewayUrl}/v1/authorize/wechat/${c.componentAppid}?auth_type=2`);
    expect(link.statusCode).toBe(302);
    await link.body.dump();
    const location = new URL(String(link.headers.location));
    expect(location.pathname).toBe('/cgi-bin/componentloginpage');
    expect(location.searchParams.get('component_appid')).toBe(c.componentAppid);
    expect(location.searchParams.get('auth_type')).toBe('2');
    expect(location.searchParams.get('redirect_uri')!.split('?')[0]).toBe(callbackUrl());

    const h5 = await request(
      `${gatewayUrl}/v1/authorize/wechat/${c.componentAppid}?variant=h5&biz_appid=wxbiz000001&format=json`,
    );
    const h5Url = new URL(String(((await h5.body.json()) as { url: string }).url));
    expect(h5Url.pathname).toBe('/safe/bindcomponent');
    expect(h5Url.searchParams.get('biz_appid')).toBe('wxbiz000001');
    expect(h5Url.searchParams.has('auth_type')).toBe(false);
    expect(h5Url.hash).toBe('#wechat_redirect');

    // The merchant consents on the (sandbox) page, which redirects the browser to our callback.
    const before = await exchanges();
    const consent = await request(new URL('/cgi-bin/componentloginpage/confirm', stack.sandbox.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        component_appid: c.componentAppid,
        pre_auth_code: location.searchParams.get('pre_auth_code')!,
        redirect_uri: location.searchParams.get('redirect_uri')!,
        authorizer_appid: 'wxauthpage000001',
        func_info: '1,2',
      }).toString(),
    });
    expect(consent.statusCode).toBe(302);
    await consent.body.dump();
    const callback = await request(String(consent.headers.location));
    expect(callback.statusCode).toBe(200);
    expect(await callback.body.json()).toMatchObject({ authorizer_appid: 'wxauthpage000001', permissions: [1, 2] });
    await activeToken('wxauthpage000001');
    await quietWindow();
    // The page delivers both the redirect and the authorized event: still one exchange.
    expect((await exchanges()) - before).toBe(1);
  });

  it.each([['redirect'], ['event'], ['both']] as const)(
    'authorization via %s: exactly one exchange',
    async (deliver) => {
      const authorizerAppid = `wxauth${deliver.padEnd(10, '0')}`;
      const before = await exchanges();
      const outcome = await stack.sandbox.control.authorize(c.componentAppid, {
        authorizerAppid,
        funcInfo: [1, 2, 3],
        deliver,
        redirectUri: await signedCallbackUrl(),
      });
      if (outcome.push) expect(outcome.push.attempts[0]).toMatchObject({ outcome: 'success', reply: 'success' });
      if (outcome.redirectUrl) {
        // Twice, as a browser reload would.
        const results = await Promise.all([request(outcome.redirectUrl), request(outcome.redirectUrl)]);
        for (const r of results) {
          expect([r.statusCode, r.statusCode === 200 ? '' : await r.body.text()]).toEqual([200, '']);
          expect(await r.body.json()).toMatchObject({ authorizer_appid: authorizerAppid });
        }
      }
      const view = await activeToken(authorizerAppid);
      expect(await wechatBusinessCall(stack.sandbox.url, view.accessToken!)).not.toHaveProperty('errcode');
      const served = await gatewayToken(authorizerAppid);
      expect(served.status).toBe(200);
      expect((await describeAuthorizer(authorizerAppid)).permissions).toEqual([1, 2, 3]);
      await quietWindow();
      expect((await exchanges()) - before).toBe(1);
    },
  );
});

it('authorizer tokens refresh over many cycles, recover from 61023, take new permissions, stop when revoked', async () => {
  const a = 'wxauthcycles0001';
  await authorizeAndShorten(a, [1, 2]);
  const seen = new Set<number>();
  await eventually(
    async () => {
      const view = await tokenOf(a);
      if (view.accessToken && !seen.has(view.version)) {
        seen.add(view.version);
        expect(await wechatBusinessCall(stack.sandbox.url, view.accessToken)).not.toHaveProperty('errcode');
      }
      return view.version >= 6 ? view : undefined;
    },
    40_000,
    'six authorizer token versions',
  );
  expect(seen.size).toBeGreaterThanOrEqual(4);
  let d = await describeAuthorizer(a);
  expect(d.consecutiveFailures).toBe(0);

  // The platform now holds another refresh token: 61023, recovered from the authorizer list.
  const listCalls = async () =>
    (
      await stack.sandbox.control.calls({
        platform: 'wechat',
        endpoint: '/cgi-bin/component/api_get_authorizer_list',
        appid: c.componentAppid,
      })
    ).total;
  const listBefore = await listCalls();
  await stack.sandbox.control.loseRefreshToken(c.componentAppid, a);
  const versionBefore = d.version;
  d = await eventually(
    async () => {
      const x = await describeAuthorizer(a);
      return x.settings['refresh-token recoveries'] === 1 && x.version >= versionBefore + 2 && x.status !== 'refreshing'
        ? x
        : undefined;
    },
    20_000,
    'recovery and two more refreshes',
  );
  expect(d.status).toBe('active');
  expect((await listCalls()) - listBefore).toBeGreaterThanOrEqual(1);

  // Re-authorization with other permissions: updateauthorized replaces tokens and permissions.
  const old = await tokenOf(a);
  const replaced = await authorizeAndShorten(a, [1, 5, 9]);
  expect(replaced.accessToken).not.toBe(old.accessToken);
  expect((await describeAuthorizer(a)).permissions).toEqual([1, 5, 9]);
  const fresh = await activeToken(a, replaced.version + 1);
  expect(await wechatBusinessCall(stack.sandbox.url, fresh.accessToken!)).not.toHaveProperty('errcode');
  // It keeps refreshing with the new refresh token.
  await activeToken(a, fresh.version + 2);

  // De-authorization: revoked, no token served, the workflow completes (no more refreshes).
  await stack.sandbox.control.unauthorize(c.componentAppid, a);
  await eventually(async () => ((await handle(a).describe()).status.name === 'COMPLETED' ? true : undefined));
  expect(await tokenOf(a)).toMatchObject({ status: 'revoked' });
  expect((await tokenOf(a)).accessToken).toBeUndefined();
  const served = await gatewayToken(a);
  expect(served.status).toBe(503);
  const listing = await request(`${gatewayUrl}/v1/apps?component=${c.componentAppid}`);
  const { apps } = (await listing.body.json()) as { apps: Array<{ appid: string; status: string }> };
  expect(apps.find((x) => x.appid === a)?.status).toBe('revoked');
  expect(apps.find((x) => x.appid === 'wxauthevent00000')?.status).toMatch(/active|refreshing/);

  // A later authorization starts a fresh workflow.
  const restarted = await authorizeAndShorten(a, [2]);
  expect((await describeAuthorizer(a)).permissions).toEqual([2]);
  expect(restarted.version).toBe(1);
}, 120_000);
