/**
 * The gateway's HTTP routes on the real stack: an app registered through the admin API (its secret
 * only by reference, a literal secret refused without being echoed) is served, invalidated with
 * compare-and-refresh and listed by status; an unknown app is 404, an app without a valid token 503
 * with its status; unknown query parameters and malformed ids are refused with the one JSON error
 * shape. The sandbox runs on real time, so only the test's reports cause refreshes.
 */
import { request } from 'undici';
import { eventually } from '../harness/eventually';
import { startStack, type Stack } from '../harness/stack';
import { wechatBusinessCall, wechatCallCount } from '../harness/apps';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeScale: 1, httpTimeoutMs: 1_000 });
});
afterAll(async () => {
  await stack?.teardown();
});

const calls = (endpoint: string, appid: string) => wechatCallCount(stack.sandbox, endpoint, appid);

describe('gateway for own apps', () => {
  async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
    const gatewayUrl = await stack.startGateway();
    const response = await request(`${gatewayUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
    return { status: response.statusCode, body: (await response.body.json()) as Record<string, any> };
  }

  it('registers through the admin API, serves, invalidates and lists the app', async () => {
    const app = await stack.sandbox.control.createWechatApp();
    stack.secrets.WX_ADMIN_REGISTERED_SECRET = app.secret;
    const literal = await call('POST', '/v1/apps', { platform: 'wechat', appid: app.appid, secret: app.secret });
    expect(literal.status).toBe(400);
    expect(literal.body.error.code).toBe('bad_request');
    expect(JSON.stringify(literal.body)).not.toContain(app.secret);

    const created = await call('POST', '/v1/apps', {
      platform: 'wechat',
      appid: app.appid,
      mode: 'basic',
      secret: { env: 'WX_ADMIN_REGISTERED_SECRET' },
    });
    expect(created).toEqual({ status: 201, body: { id: `app/wechat/${app.appid}` } });
    const first = await eventually(async () => {
      const r = await call('GET', `/v1/tokens/app/wechat/${app.appid}`);
      return r.status === 200 ? r.body : undefined;
    });
    expect(first).toMatchObject({ version: 1, access_token: expect.any(String) });
    expect(first.expires_in).toBeGreaterThan(7000);
    expect(await wechatBusinessCall(stack.sandbox.url, first.access_token)).not.toHaveProperty('errcode');

    const fresh = await call('POST', `/v1/tokens/app/wechat/${app.appid}/invalidate`, {
      access_token: first.access_token,
    });
    expect(fresh.status).toBe(200);
    expect(fresh.body.version).toBe(2);
    const stale = await call('POST', `/v1/tokens/app/wechat/${app.appid}/invalidate`, {
      access_token: first.access_token,
    });
    expect(stale.body).toMatchObject({ version: 2, access_token: fresh.body.access_token });
    expect(await calls('/cgi-bin/token', app.appid)).toBe(2);

    const listed = await eventually(async () => {
      const r = await call('GET', '/v1/apps?status=active');
      return r.body.apps?.some((a: { appid: string }) => a.appid === app.appid) ? r.body.apps : undefined;
    });
    expect(listed.find((a: { appid: string }) => a.appid === app.appid)).toMatchObject({
      kind: 'app',
      status: 'active',
    });
  });

  it('answers 404 for an unknown app and 503 with the status when no valid token exists', async () => {
    const unknown = await call('GET', '/v1/tokens/app/wechat/wxnosuchapp0000001');
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });

    const app = await stack.sandbox.control.createWechatApp({ secret: 'the-real-secret-0123456789abcdef' });
    stack.secrets.WX_WRONG_SECRET = 'a-wrong-secret-0123456789abcdef';
    await call('POST', '/v1/apps', {
      platform: 'wechat',
      appid: app.appid,
      mode: 'basic',
      secret: { env: 'WX_WRONG_SECRET' },
    });
    const unavailable = await eventually(async () => {
      const r = await call('GET', `/v1/tokens/app/wechat/${app.appid}`);
      return r.status === 503 && r.body.error.status === 'credential_invalid' ? r : undefined;
    });
    expect(unavailable.body.error.code).toBe('token_unavailable');
  });
});

it('token routes refuse unknown query parameters and malformed ids with the one JSON error shape', async () => {
  const gatewayUrl = await stack.startGateway();
  const component = await stack.addWechatComponent();
  for (const path of [
    `/v1/tokens/component/wechat/${component.componentAppid}?debug=1`,
    `/v1/tokens/component/wechat/bad%20id`,
    `/v1/tokens/authorizer/wechat/${component.componentAppid}/wx0000000001?x=y`,
    `/v1/components/wechat/${component.componentAppid}?verbose=true`,
  ]) {
    const response = await request(`${gatewayUrl}${path}`);
    expect(response.statusCode).toBe(400);
    expect(await response.body.json()).toMatchObject({ error: { code: 'bad_request' } });
  }
});
