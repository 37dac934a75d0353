/**
 * The Baidu smart-program TP fake (sandbox/baidu/): TP tokens for a live ticket, pre-auth codes,
 * authorizer tokens from the OAuth endpoint (flat grants, app id through app/info), single-use
 * refresh tokens and what they kill, one-time authorization codes, drop_response recovered by
 * retrieving an authorization code, and ticket and authorization pushes as Baidu sends them.
 */
import { request } from 'undici';
import { openBaiduPush } from '../../platforms/baidu/push-crypto';
import { startSandbox, type SandboxHandle } from '../../sandbox';
import { BAIDU_PATHS } from '../../sandbox/baidu/api-routes';
import { eventually } from '../harness/eventually';
import { JsonPushReceiver } from '../harness/json-push-receiver';

const KEY = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';
const TP = { clientId: 'bdTpClientKey', tpAppId: 4242, token: 'bd-token', encodingAESKey: KEY };

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startSandbox({ manualClock: true, seed: 11 });
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  await sandbox.control.reset();
});

type Json = Record<string, unknown> & { data?: Record<string, unknown> };

async function call(
  method: 'GET' | 'POST',
  path: string,
  query: Record<string, string>,
  form?: Record<string, string>,
): Promise<{ status: number; body: Json }> {
  const response = await request(`${sandbox.url}${path}?${new URLSearchParams(query)}`, {
    method,
    headers: form ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  return { status: response.statusCode, body: (await response.body.json()) as Json };
}

async function tpToken(ticket: string): Promise<string> {
  const { body } = await call('GET', BAIDU_PATHS.tpToken, { client_id: TP.clientId, ticket });
  expect(body).toMatchObject({ errno: 0, msg: 'success', data: { expires_in: 2592000, scope: expect.any(String) } });
  return (body.data as { access_token: string }).access_token;
}

const oauth = (tp: string, grant: Record<string, string>) =>
  call('GET', BAIDU_PATHS.oauthToken, { access_token: tp, ...grant });
const exchange = (tp: string, code: string) => oauth(tp, { grant_type: 'app_to_tp_authorization_code', code });
const refresh = (tp: string, rt: string) => oauth(tp, { grant_type: 'app_to_tp_refresh_token', refresh_token: rt });
const appInfo = (token: string) => call('GET', BAIDU_PATHS.appInfo, { access_token: token });

type Grant = { access_token: string; refresh_token: string; expires_in: number };

async function setUp(options: { rules?: { refreshKillsOldAccessToken?: boolean } } = {}): Promise<string> {
  await sandbox.control.createBaiduTpApp({ ...TP, startTickets: false, ...options });
  const { ticket } = await sandbox.control.pushBaiduTicket(TP.clientId);
  return tpToken(ticket);
}

async function authorized(tp: string, appId: number): Promise<Grant> {
  const auth = await sandbox.control.baiduAuthorize(TP.clientId, { appId });
  const { status, body } = await exchange(tp, auth.authorizationCode);
  expect(status).toBe(200);
  return body as unknown as Grant;
}

describe('Baidu TP token and pre-auth code', () => {
  it('issues TP tokens for a live ticket and pre-auth codes for a live TP token', async () => {
    const tp = await setUp();
    const pre = await call('GET', BAIDU_PATHS.preAuthCode, { access_token: tp });
    expect(pre.body).toMatchObject({ errno: 0, data: { pre_auth_code: expect.any(String), expires_in: 1200 } });
    expect((await call('GET', BAIDU_PATHS.tpToken, { client_id: TP.clientId, ticket: 'bad' })).body.errno).toBe(50003);
    expect((await call('GET', BAIDU_PATHS.tpToken, { client_id: 'nobody', ticket: 'bad' })).body.errno).toBe(50002);
    expect((await call('GET', BAIDU_PATHS.preAuthCode, { access_token: 'nope' })).body.errno).toBe(44004);
  });
});

describe('Baidu authorizer tokens (OAuth endpoint)', () => {
  it('answers flat grants without an app id; app/info names the app', async () => {
    const tp = await setUp();
    const grant = await authorized(tp, 1234567);
    expect(Object.keys(grant).sort()).toEqual(['access_token', 'expires_in', 'refresh_token']);
    expect(grant.expires_in).toBe(3600);
    expect(grant.access_token).toMatch(/^45\./);
    expect(grant.refresh_token).toMatch(/^46\.[0-9a-f]+\.315360000\./);
    const info = await appInfo(grant.access_token);
    expect(info.body).toMatchObject({
      errno: 0,
      msg: 'success',
      data: { app_id: 1234567, app_key: expect.any(String) },
    });
    // The granted permissions as documented: {type, scope_name} per scope (docs/platforms.md §4.5).
    expect((info.body.data as { auth_info: unknown[] }).auth_info).toEqual([
      { type: 1, scope_name: '小程序开发管理' },
      { type: 1, scope_name: '小程序基本信息管理' },
    ]);
  });

  it('refresh tokens are single-use; the old access token dies at once (strict default)', async () => {
    const tp = await setUp();
    const a = await authorized(tp, 1111);
    const second = await refresh(tp, a.refresh_token);
    expect(second.status).toBe(200);
    const b = second.body as unknown as Grant;
    expect((await appInfo(a.access_token)).body.errno).toBe(44004);
    expect((await appInfo(b.access_token)).body.errno).toBe(0);
    const reused = await refresh(tp, a.refresh_token);
    expect(reused).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: expect.any(String) } });
    expect((await oauth(tp, { grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
    expect((await refresh('bad-tp-token', b.refresh_token)).body.error).toBe('invalid_client');
  });

  it('with refreshKillsOldAccessToken=false the old access token runs to its expiry', async () => {
    const tp = await setUp({ rules: { refreshKillsOldAccessToken: false } });
    const a = await authorized(tp, 2222);
    expect((await refresh(tp, a.refresh_token)).status).toBe(200);
    expect((await appInfo(a.access_token)).body.errno).toBe(0);
    await sandbox.control.advance(3600_000);
    expect((await appInfo(a.access_token)).body.errno).toBe(44003);
  });

  it('authorization codes are one-time; refresh tokens expire after 10 years on the sandbox clock', async () => {
    const tp = await setUp();
    const auth = await sandbox.control.baiduAuthorize(TP.clientId, { appId: 3333 });
    const a = (await exchange(tp, auth.authorizationCode)).body as unknown as Grant;
    expect((await exchange(tp, auth.authorizationCode)).body.error).toBe('invalid_grant');
    await sandbox.control.advance(315_360_000_000);
    expect((await appInfo(a.access_token)).body.errno).toBe(44003);
    const { ticket } = await sandbox.control.pushBaiduTicket(TP.clientId);
    const fresh = await tpToken(ticket);
    expect((await refresh(fresh, a.refresh_token)).body).toEqual({
      error: 'invalid_grant',
      error_description: 'refresh token has expired',
    });
  });

  it('drop_response consumes the refresh token; retrieve authorizationcode recovers', async () => {
    const tp = await setUp();
    const a = await authorized(tp, 4444);
    await sandbox.control.addFault({ path: BAIDU_PATHS.oauthToken, kind: 'drop_response', appid: '4444', times: 1 });
    await expect(refresh(tp, a.refresh_token)).rejects.toThrow();
    expect((await refresh(tp, a.refresh_token)).body.error).toBe('invalid_grant');

    const retrieved = await call('POST', BAIDU_PATHS.retrieveAuthCode, { access_token: tp }, { app_id: '4444' });
    expect(retrieved.body).toMatchObject({ errno: 0, msg: 'success', data: { expires_in: 18000 } });
    const code = (retrieved.body.data as { authorization_code: string }).authorization_code;
    const c = (await exchange(tp, code)).body as unknown as Grant;
    expect((await appInfo(c.access_token)).body).toMatchObject({ errno: 0, data: { app_id: 4444 } });

    const none = await call('POST', BAIDU_PATHS.retrieveAuthCode, { access_token: tp }, { app_id: '9999' });
    expect(none.body.errno).toBe(50032);
  });
});

describe('Baidu pushes', () => {
  let receiver: JsonPushReceiver;
  beforeEach(async () => {
    receiver = await new JsonPushReceiver().start();
  });
  afterEach(async () => receiver.close());

  const config = { token: TP.token, encodingAESKey: KEY, clientId: TP.clientId };

  it('pushes tickets (16-byte prefix, client_id trailer), retried until success, usable for the TP token', async () => {
    receiver.script.push({ status: 200, body: 'fail' });
    await sandbox.control.createBaiduTpApp({ ...TP, callbackUrl: receiver.url });
    await eventually(async () => (await sandbox.control.baiduPushes())[0]?.attempts.length === 1);
    await sandbox.control.advance(5_000);
    const [push] = await eventually(async () => {
      const pushes = await sandbox.control.baiduPushes();
      return pushes[0]?.delivered ? pushes : undefined;
    });
    expect(push.attempts.map((a) => a.answer)).toEqual(['fail', 'success']);
    const opened = openBaiduPush(config, receiver.bodies[1]);
    expect(opened.message).toMatchObject({ FromUserName: 'SmartAPP', MsgType: 'ticket', Event: 'push' });
    expect(await tpToken((opened.message as { Ticket: string }).Ticket)).toMatch(/^42\./);
  });

  it('a lost answer makes the push go again, byte for byte (the retry after a dropped connection)', async () => {
    await sandbox.control.createBaiduTpApp({ ...TP, callbackUrl: receiver.url, startTickets: false });
    await sandbox.control.loseJsonPushAnswers('baidu', TP.clientId, 1);
    await sandbox.control.pushBaiduTicket(TP.clientId);
    await eventually(async () => (await sandbox.control.baiduPushes())[0]?.attempts.length === 1);
    await sandbox.control.advance(5_000);
    const [push] = await eventually(async () => {
      const pushes = await sandbox.control.baiduPushes();
      return pushes[0]?.delivered ? pushes : undefined;
    });
    expect(push.attempts.map((a) => [a.answer, a.error])).toEqual([
      ['success', 'answer lost (sandbox)'],
      ['success', undefined],
    ]);
    expect(receiver.bodies).toHaveLength(2);
    expect(receiver.bodies[1]).toBe(receiver.bodies[0]);
  });

  it('pushes camelCase authorization events', async () => {
    await sandbox.control.createBaiduTpApp({ ...TP, callbackUrl: receiver.url, startTickets: false });
    const auth = await sandbox.control.baiduAuthorize(TP.clientId, { appId: 5555 });
    await sandbox.control.baiduUnauthorize(TP.clientId, 5555);
    await eventually(() => receiver.bodies.length === 2);
    const [first, second] = receiver.bodies.map((b) => openBaiduPush(config, b).message);
    expect(first).toMatchObject({
      appId: 5555,
      tpAppId: TP.tpAppId,
      event: 'AUTHORIZED',
      authorizationCode: auth.authorizationCode,
      authorizationCodeExpiresIn: 3600,
    });
    expect(second).toMatchObject({ appId: 5555, event: 'UNAUTHORIZED' });
  });
});
