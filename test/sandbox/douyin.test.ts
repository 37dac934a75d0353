/**
 * The Douyin tpapp fake (sandbox/douyin/): the V2 component token rotating with a 5-minute grace,
 * flat errors, authorizer tokens with single-use refresh tokens that expire after 30 days, drop_response
 * recovered by retrieve_auth_code, unauthorization, encrypted ticket and authorization pushes retried
 * until the answer is exactly `success`, and durations that follow the time scale.
 */
import { request } from 'undici';
import { openDouyinPush } from '../../platforms/douyin/push-crypto';
import { startSandbox, type SandboxHandle } from '../../sandbox';
import { DOUYIN_PATHS } from '../../sandbox/douyin/api-routes';
import { eventually } from '../harness/eventually';
import { JsonPushReceiver } from '../harness/json-push-receiver';

const KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const TP = { componentAppid: 'tt-tp-1', componentSecret: 'tp-secret', token: 'dy-token', encodingAESKey: KEY };

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startSandbox({ manualClock: true, seed: 7 });
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  await sandbox.control.reset();
});

type Json = Record<string, unknown> & { data?: Record<string, unknown> };

async function call(
  method: 'GET' | 'POST',
  path: string,
  opts: { query?: Record<string, string>; token?: string; json?: unknown } = {},
): Promise<{ status: number; body: Json }> {
  const qs = opts.query ? `?${new URLSearchParams(opts.query)}` : '';
  const headers: Record<string, string> = {};
  if (opts.token) headers['access-token'] = opts.token;
  if (opts.json !== undefined) headers['content-type'] = 'application/json';
  const response = await request(`${sandbox.url}${path}${qs}`, {
    method,
    headers,
    body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
  });
  return { status: response.statusCode, body: (await response.body.json()) as Json };
}

async function componentToken(ticket: string): Promise<string> {
  const { body } = await call('GET', DOUYIN_PATHS.componentToken, {
    query: { component_appid: TP.componentAppid, component_appsecret: TP.componentSecret, component_ticket: ticket },
  });
  expect(body.component_access_token).toEqual(expect.stringMatching(/^clt\./));
  return body.component_access_token as string;
}

const preAuth = (token: string) => call('POST', DOUYIN_PATHS.preAuthCode, { token, json: {} });
const exchange = (token: string, code: string) =>
  call('GET', DOUYIN_PATHS.authToken, {
    token,
    query: { grant_type: 'app_to_tp_authorization_code', authorization_code: code },
  });
const refresh = (token: string, refreshToken: string) =>
  call('GET', DOUYIN_PATHS.authToken, {
    token,
    query: { grant_type: 'app_to_tp_refresh_token', authorizer_refresh_token: refreshToken },
  });
const basicInfo = (token: string) => call('GET', DOUYIN_PATHS.basicInfo, { token });

async function setUp(): Promise<{ ticket: string; ctoken: string }> {
  await sandbox.control.createDouyinTpApp({ ...TP, startTickets: false });
  const { ticket } = await sandbox.control.pushDouyinTicket(TP.componentAppid);
  return { ticket, ctoken: await componentToken(ticket) };
}

describe('Douyin component token (V2)', () => {
  it('rotates on every call: the previous one keeps a 5-minute grace, at most two are alive', async () => {
    const { ticket, ctoken: t1 } = await setUp();
    const t2 = await componentToken(ticket);
    expect((await preAuth(t1)).body.err_no).toBe(0);
    const t3 = await componentToken(ticket);
    expect((await preAuth(t1)).body.err_no).toBe(40010);
    expect((await preAuth(t2)).body.err_no).toBe(0);
    await sandbox.control.advance(300_000);
    expect((await preAuth(t2)).body.err_no).toBe(40010);
    const ok = await preAuth(t3);
    expect(ok.body).toMatchObject({ err_no: 0, err_msg: '', data: { pre_auth_code: expect.any(String) } });
    expect(ok.body.log_id).toEqual(expect.any(String));
    await sandbox.control.advance(7200_000);
    expect((await preAuth(t3)).body.err_no).toBe(40009);
  });

  it('answers flat {errno, message} errors for bad secrets and tickets', async () => {
    await setUp();
    const bad = await call('GET', DOUYIN_PATHS.componentToken, {
      query: { component_appid: TP.componentAppid, component_appsecret: TP.componentSecret, component_ticket: 'nope' },
    });
    expect(bad.body).toEqual({ errno: 40037, message: expect.any(String) });
  });
});

describe('Douyin authorizer tokens', () => {
  it('exchanges a code once, refresh tokens are single-use and the old pair dies at once', async () => {
    const { ctoken } = await setUp();
    const auth = await sandbox.control.douyinAuthorize(TP.componentAppid, { authorizerAppid: 'ttmini1' });
    const first = await exchange(ctoken, auth.authorizationCode);
    expect(first.body).toMatchObject({
      err_no: 0,
      data: {
        authorizer_appid: 'ttmini1',
        expires_in: 7200,
        refresh_expires_in: 2592000,
        authorize_permission: expect.arrayContaining([expect.objectContaining({ id: 1 })]),
      },
    });
    expect((await exchange(ctoken, auth.authorizationCode)).body.err_no).toBe(40018);
    const a = first.body.data as { authorizer_access_token: string; authorizer_refresh_token: string };
    expect((await basicInfo(a.authorizer_access_token)).body).toMatchObject({ err_no: 0, data: { app_id: 'ttmini1' } });

    const second = await refresh(ctoken, a.authorizer_refresh_token);
    expect(second.body.err_no).toBe(0);
    const b = second.body.data as { authorizer_access_token: string; authorizer_refresh_token: string };
    expect(b.authorizer_refresh_token).not.toBe(a.authorizer_refresh_token);
    expect((await basicInfo(a.authorizer_access_token)).body.err_no).toBe(40020);
    expect((await refresh(ctoken, a.authorizer_refresh_token)).body).toMatchObject({
      err_no: 40021,
      err_msg: expect.any(String),
      log_id: expect.any(String),
    });
    expect((await basicInfo(b.authorizer_access_token)).body.err_no).toBe(0);
    const uses = await sandbox.control.invalidTokenUses({ platform: 'douyin' });
    expect(uses.uses.map((u) => u.reason)).toEqual(['invalidated']);
  });

  it('refresh tokens expire after 30 days on the sandbox clock', async () => {
    const { ctoken } = await setUp();
    const auth = await sandbox.control.douyinAuthorize(TP.componentAppid, { authorizerAppid: 'ttmini2' });
    const pair = (await exchange(ctoken, auth.authorizationCode)).body.data as { authorizer_refresh_token: string };
    await sandbox.control.advance(2_592_000_000);
    expect((await preAuth(ctoken)).body.err_no).toBe(40009);
    const { ticket } = await sandbox.control.pushDouyinTicket(TP.componentAppid);
    const fresh = await componentToken(ticket);
    expect((await refresh(fresh, pair.authorizer_refresh_token)).body.err_no).toBe(40021);
  });

  it('drop_response consumes the refresh token; retrieve_auth_code recovers the authorizer', async () => {
    const { ctoken } = await setUp();
    const auth = await sandbox.control.douyinAuthorize(TP.componentAppid, { authorizerAppid: 'ttmini3' });
    const a = (await exchange(ctoken, auth.authorizationCode)).body.data as {
      authorizer_access_token: string;
      authorizer_refresh_token: string;
    };
    await sandbox.control.addFault({ path: DOUYIN_PATHS.authToken, kind: 'drop_response', appid: 'ttmini3', times: 1 });
    await expect(refresh(ctoken, a.authorizer_refresh_token)).rejects.toThrow();
    expect((await refresh(ctoken, a.authorizer_refresh_token)).body.err_no).toBe(40021);
    expect((await basicInfo(a.authorizer_access_token)).body.err_no).toBe(40020);
    const dropped = (await sandbox.control.calls({ endpoint: DOUYIN_PATHS.authToken, appid: 'ttmini3' })).calls;
    expect(dropped.map((c) => [c.status, c.fault])).toEqual([
      [200, null],
      [0, 'drop_response'],
      [200, null],
    ]);

    const retrieved = await call('POST', DOUYIN_PATHS.retrieveAuthCode, {
      token: ctoken,
      json: { authorization_appid: 'ttmini3' },
    });
    expect(retrieved.body).toMatchObject({
      err_no: 0,
      data: { authorization_code: expect.any(String), expires_in: 3600 },
    });
    const recovered = await exchange(
      ctoken,
      (retrieved.body.data as { authorization_code: string }).authorization_code,
    );
    expect(recovered.body.err_no).toBe(0);
    const c = recovered.body.data as { authorizer_access_token: string };
    expect((await basicInfo(c.authorizer_access_token)).body.err_no).toBe(0);

    const unknown = await call('POST', DOUYIN_PATHS.retrieveAuthCode, {
      token: ctoken,
      json: { authorization_appid: 'x' },
    });
    expect(unknown.body).toMatchObject({ err_no: 40004, err_msg: 'authorized mini program not found' });
  });

  it('answers 40002 缺少参数 when get_auth_token lacks its code or refresh token, and 40022 for a withdrawn app', async () => {
    const { ctoken } = await setUp();
    for (const grantType of ['app_to_tp_authorization_code', 'app_to_tp_refresh_token']) {
      const missing = await call('GET', DOUYIN_PATHS.authToken, { token: ctoken, query: { grant_type: grantType } });
      expect(missing.body).toMatchObject({ err_no: 40002, err_msg: expect.stringMatching(/^缺少参数/) });
    }
    await sandbox.control.douyinAuthorize(TP.componentAppid, { authorizerAppid: 'ttmini5' });
    await sandbox.control.douyinUnauthorize(TP.componentAppid, 'ttmini5');
    const withdrawn = await call('POST', DOUYIN_PATHS.retrieveAuthCode, {
      token: ctoken,
      json: { authorization_appid: 'ttmini5' },
    });
    expect(withdrawn.body.err_no).toBe(40022);
  });

  it('unauthorize kills the tokens', async () => {
    const { ctoken } = await setUp();
    const auth = await sandbox.control.douyinAuthorize(TP.componentAppid, { authorizerAppid: 'ttmini4' });
    const a = (await exchange(ctoken, auth.authorizationCode)).body.data as {
      authorizer_access_token: string;
      authorizer_refresh_token: string;
    };
    await sandbox.control.douyinUnauthorize(TP.componentAppid, 'ttmini4');
    expect((await basicInfo(a.authorizer_access_token)).body.err_no).toBe(40020);
    expect((await refresh(ctoken, a.authorizer_refresh_token)).body.err_no).toBe(40021);
  });
});

describe('Douyin pushes', () => {
  let receiver: JsonPushReceiver;
  beforeEach(async () => {
    receiver = await new JsonPushReceiver().start();
  });
  afterEach(async () => receiver.close());

  const config = { token: TP.token, encodingAESKey: KEY, tpAppid: TP.componentAppid };

  it('pushes encrypted tickets every 10 minutes, retried until the answer is exactly success', async () => {
    receiver.script.push({ status: 500, body: 'oops' }, { status: 200, body: '"success"' });
    await sandbox.control.createDouyinTpApp({ ...TP, callbackUrl: receiver.url });
    const attempts = (n: number) => async () => {
      const [push] = await sandbox.control.douyinPushes({ kind: 'ticket' });
      return push && push.attempts.length >= n ? push : undefined;
    };
    await eventually(attempts(1));
    await sandbox.control.advance(5_000);
    await eventually(attempts(2));
    await sandbox.control.advance(15_000);
    const push = await eventually(attempts(3));
    expect(push.delivered).toBe(true);
    expect(push.attempts.map((a) => a.status)).toEqual([500, 200, 200]);

    expect(receiver.bodies).toHaveLength(3);
    const opened = openDouyinPush(config, receiver.bodies[2]);
    expect(opened.message).toMatchObject({ MsgType: 'Ticket', Event: 'PUSH', FromUserName: 'ByteDanceMicroApp' });
    const ticket = (opened.message as { Ticket: string }).Ticket;
    expect(await componentToken(ticket)).toMatch(/^clt\./);

    await sandbox.control.advance(600_000);
    await eventually(async () => (await sandbox.control.douyinPushes({ kind: 'ticket' })).length === 2);
  });

  it('pushes AUTHORIZED / UNAUTHORIZED events the central server can decrypt', async () => {
    await sandbox.control.createDouyinTpApp({ ...TP, callbackUrl: receiver.url, startTickets: false });
    const auth = await sandbox.control.douyinAuthorize(TP.componentAppid, {
      authorizerAppid: 'ttmini5',
      redirectUri: 'https://tp.example/cb',
    });
    expect(auth.redirect).toBe(
      `https://tp.example/cb?authorization_code=${encodeURIComponent(auth.authorizationCode)}&expires_in=3600`,
    );
    await sandbox.control.douyinUnauthorize(TP.componentAppid, 'ttmini5');
    await eventually(() => receiver.bodies.length === 2);
    const [authorized, unauthorized] = receiver.bodies.map((b) => openDouyinPush(config, b).message);
    expect(authorized).toMatchObject({
      AppId: 'ttmini5',
      TpAppId: TP.componentAppid,
      Event: 'AUTHORIZED',
      AuthorizationCode: auth.authorizationCode,
      AuthorizationCodeExpiresIn: 3600,
    });
    expect(unauthorized).toMatchObject({ AppId: 'ttmini5', Event: 'UNAUTHORIZED' });
  });
});

describe('Douyin durations follow the time scale', () => {
  it('a 7200 s component token reports expires_in 7 and dies after 7.2 s at scale 1000', async () => {
    const scaled = await startSandbox({ manualClock: true, seed: 3, timeScale: 1000 });
    try {
      await scaled.control.createDouyinTpApp({ ...TP, startTickets: false });
      const { ticket } = await scaled.control.pushDouyinTicket(TP.componentAppid);
      const get = (path: string, query: Record<string, string>, token?: string) =>
        request(`${scaled.url}${path}?${new URLSearchParams(query)}`, {
          method: path === DOUYIN_PATHS.preAuthCode ? 'POST' : 'GET',
          headers: token ? { 'access-token': token } : {},
        }).then(async (r) => (await r.body.json()) as Json);
      const body = await get(DOUYIN_PATHS.componentToken, {
        component_appid: TP.componentAppid,
        component_appsecret: TP.componentSecret,
        component_ticket: ticket,
      });
      expect(body.expires_in).toBe(7);
      const token = body.component_access_token as string;
      await scaled.control.advance(7_199);
      expect((await get(DOUYIN_PATHS.preAuthCode, {}, token)).err_no).toBe(0);
      await scaled.control.advance(1);
      expect((await get(DOUYIN_PATHS.preAuthCode, {}, token)).err_no).toBe(40009);
    } finally {
      await scaled.close();
    }
  });
});
