/**
 * The WeChat Open Platform fake (sandbox/wechat/open-platform/): component_verify_ticket pushes
 * (encrypted, signed, retried until `success`, restarted by api_start_push_ticket), the component
 * token and its checks, authorization by event and redirect with single-use codes, authorizer
 * tokens and refresh tokens (61023 when lost), re-authorization, unauthorization, and the page.
 */
import { request } from 'undici';
import { startSandbox, type SandboxHandle, type WechatComponentView } from '../../sandbox';
import { WechatPushReceiver } from '../harness/wechat-push-receiver';
import { eventually } from '../harness/eventually';
import { WechatCaller, type WechatBody } from '../harness/wechat-caller';

const MIN = 60_000;
const C = '/cgi-bin/component';

describe('sandbox: WeChat Open Platform (manual clock, scale 1)', () => {
  let sandbox: SandboxHandle;
  let wx: WechatCaller;
  let component: WechatComponentView;
  const receiver = new WechatPushReceiver(
    () => component.token,
    () => component.encodingAESKey,
  );

  beforeAll(async () => {
    sandbox = await startSandbox({ manualClock: true, seed: 3 });
    wx = new WechatCaller(sandbox.url);
    await receiver.start();
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.stop();
  });
  beforeEach(async () => {
    await sandbox.control.reset();
    receiver.received.length = 0;
    receiver.replies = [];
    component = await sandbox.control.createWechatComponent({ callbackUrl: receiver.url });
  });

  const componentToken = async (ticket: string): Promise<WechatBody> =>
    wx.post(`${C}/api_component_token`, {
      component_appid: component.componentAppid,
      component_appsecret: component.secret,
      component_verify_ticket: ticket,
    });
  const freshComponentToken = async (): Promise<string> => {
    const { ticket } = await sandbox.control.pushTicket(component.componentAppid);
    return (await componentToken(ticket)).component_access_token as string;
  };
  const callC = (path: string, token: string, body: Record<string, unknown>) =>
    wx.post(`${C}/${path}`, { component_appid: component.componentAppid, ...body }, { component_access_token: token });

  describe('component_verify_ticket pushes', () => {
    it('pushes an encrypted, signed ticket in the real envelope', async () => {
      const { ticket, delivery } = await sandbox.control.pushTicket(component.componentAppid);
      expect(delivery.status).toBe('delivered');
      const [push] = receiver.received;
      expect(push.signatureOk).toBe(true);
      expect(push.trailer).toBe(component.componentAppid);
      expect(push.query).toMatchObject({ encrypt_type: 'aes', timestamp: expect.stringMatching(/^\d+$/) });
      expect(push.query.signature).toMatch(/^[0-9a-f]{40}$/);
      expect(push.fields).toMatchObject({
        AppId: component.componentAppid,
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: ticket,
      });
      expect(ticket).toMatch(/^ticket@@@/);
    });

    it('retries on the sandbox clock until the reply is exactly "success"', async () => {
      receiver.replies = ['fail', 'success\n'];
      const { delivery } = await sandbox.control.pushTicket(component.componentAppid);
      expect(delivery.attempts.map((a) => a.outcome)).toEqual(['bad_reply']);
      await sandbox.control.advance(5000);
      await eventually(async () => (await sandbox.control.pushes(component.componentAppid))[0].attempts.length === 2);
      await sandbox.control.advance(10_000);
      await eventually(async () => (await sandbox.control.pushes(component.componentAppid))[0].status === 'delivered');
      const [final] = await sandbox.control.pushes(component.componentAppid);
      expect(final.attempts.map((a) => a.outcome)).toEqual(['bad_reply', 'bad_reply', 'success']);
      expect(receiver.received).toHaveLength(3);
      expect(new Set(receiver.received.map((p) => p.fields.ComponentVerifyTicket)).size).toBe(1);
    });

    it('gives up after the last retry and records a network failure', async () => {
      await sandbox.control.updateWechatComponent(component.componentAppid, { callbackUrl: 'http://127.0.0.1:9/x' });
      await sandbox.control.pushTicket(component.componentAppid);
      for (const step of [5000, 10_000, 20_000]) {
        const before = (await sandbox.control.pushes(component.componentAppid))[0].attempts.length;
        await sandbox.control.advance(step);
        await eventually(
          async () => (await sandbox.control.pushes(component.componentAppid))[0].attempts.length === before + 1,
        );
      }
      const [delivery] = await sandbox.control.pushes(component.componentAppid);
      expect(delivery.status).toBe('failed');
      expect(delivery.attempts.every((a) => a.outcome === 'network_error')).toBe(true);
    });

    it('pushes every 10 minutes while started; api_start_push_ticket restarts a paused push', async () => {
      await sandbox.control.startTickets(component.componentAppid);
      await eventually(() => receiver.received.length === 1);
      await sandbox.control.advance(10 * MIN);
      await eventually(() => receiver.received.length === 2);
      const body = { component_appid: component.componentAppid, component_secret: component.secret };
      expect(await wx.post(`${C}/api_start_push_ticket`, body)).toEqual({ errcode: 0, errmsg: 'in a normal state' });
      await sandbox.control.pauseTickets(component.componentAppid);
      await sandbox.control.advance(30 * MIN);
      expect(receiver.received).toHaveLength(2);
      expect(await wx.post(`${C}/api_start_push_ticket`, body)).toEqual({ errcode: 0, errmsg: 'ok' });
      await eventually(() => receiver.received.length === 3);
      const calls = await sandbox.control.calls({ endpoint: `${C}/api_start_push_ticket` });
      expect(calls.total).toBe(2);
    });
  });

  describe('component_access_token', () => {
    it('needs a ticket pushed to this platform and still valid', async () => {
      expect((await componentToken('ticket@@@forged')).errcode).toBe(61006);
      const other = await sandbox.control.createWechatComponent({});
      const { ticket: foreign } = await sandbox.control.pushTicket(other.componentAppid);
      expect((await componentToken(foreign)).errcode).toBe(61006);
      const { ticket } = await sandbox.control.pushTicket(component.componentAppid);
      const ok = await componentToken(ticket);
      expect(ok.expires_in).toBe(7200);
      expect(String(ok.component_access_token).length).toBeGreaterThanOrEqual(100);
      await sandbox.control.advance(12 * 60 * MIN);
      expect((await componentToken(ticket)).errcode).toBe(61005);
    });

    it('checks appid, secret and IP whitelist', async () => {
      const { ticket } = await sandbox.control.pushTicket(component.componentAppid);
      const base = { component_appid: component.componentAppid, component_verify_ticket: ticket };
      expect((await wx.post(`${C}/api_component_token`, { ...base, component_appsecret: 'x' })).errcode).toBe(40125);
      const unknown = { ...base, component_appid: 'wxnope', component_appsecret: component.secret };
      expect((await wx.post(`${C}/api_component_token`, unknown)).errcode).toBe(40013);
      await sandbox.control.updateWechatComponent(component.componentAppid, { ipAllowed: false });
      const denied = await componentToken(ticket);
      expect(denied.errcode).toBe(61004);
      expect(denied.errmsg).toMatch(/requestIP: 127\.0\.0\.1/);
    });

    it('keeps the previous component token 5 minutes; it is refused on non-component APIs', async () => {
      const { ticket } = await sandbox.control.pushTicket(component.componentAppid);
      const first = (await componentToken(ticket)).component_access_token as string;
      const second = (await componentToken(ticket)).component_access_token as string;
      expect((await callC('api_create_preauthcode', first, {})).pre_auth_code).toMatch(/^preauthcode@@@/);
      await sandbox.control.advance(5 * MIN);
      expect((await callC('api_create_preauthcode', first, {})).errcode).toBe(40001);
      const viaAccessToken = await wx.post(
        `${C}/api_create_preauthcode`,
        { component_appid: component.componentAppid },
        { access_token: second },
      );
      expect(viaAccessToken.expires_in).toBe(1800);
      expect(await wx.use(second)).toBe(40001);
      const stats = await sandbox.control.stats();
      expect(stats.invalidTokenUses).toBe(2);
      expect(stats.invalidTokenUsesByApp[component.componentAppid]).toBe(2);
    });

    it('tells /cgi-bin/token callers of a component appid to use api_component_token (61024)', async () => {
      expect((await wx.token(component.componentAppid, component.secret)).errcode).toBe(61024);
    });
  });

  describe('authorization and authorizer tokens', () => {
    const authorizerAppid = 'wxauthorizer0000001';

    it('delivers the code by event and redirect; the code is single-use and expires', async () => {
      const token = await freshComponentToken();
      const outcome = await sandbox.control.authorize(component.componentAppid, {
        authorizerAppid,
        redirectUri: 'https://tp.example/callback?x=1',
      });
      expect(outcome.infoType).toBe('authorized');
      const redirect = new URL(outcome.redirectUrl!);
      expect(redirect.searchParams.get('x')).toBe('1');
      expect(redirect.searchParams.get('auth_code')).toBe(outcome.authorizationCode);
      expect(redirect.searchParams.get('expires_in')).toBe('600');
      const [event] = receiver.ofType('authorized');
      expect(event.fields).toMatchObject({
        AuthorizerAppid: authorizerAppid,
        AuthorizationCode: outcome.authorizationCode,
      });
      expect(Number(event.fields.AuthorizationCodeExpiredTime)).toBeGreaterThan(Number(event.fields.CreateTime));

      const exchanged = await callC('api_query_auth', token, { authorization_code: outcome.authorizationCode });
      const info = exchanged.authorization_info as Record<string, unknown>;
      expect(info).toMatchObject({
        authorizer_appid: authorizerAppid,
        expires_in: 7200,
        authorizer_refresh_token: expect.stringMatching(/^refreshtoken@@@/),
        func_info: [
          { funcscope_category: { id: 1 } },
          { funcscope_category: { id: 2 } },
          { funcscope_category: { id: 3 } },
        ],
      });
      expect(await wx.use(info.authorizer_access_token as string)).toBe(0);
      expect((await callC('api_query_auth', token, { authorization_code: outcome.authorizationCode })).errcode).toBe(
        61009,
      );

      const late = await sandbox.control.authorize(component.componentAppid, { authorizerAppid, deliver: 'redirect' });
      expect(late.push).toBeNull();
      await sandbox.control.advance(10 * MIN);
      expect((await callC('api_query_auth', token, { authorization_code: late.authorizationCode })).errcode).toBe(
        61010,
      );
    });

    it('refreshes authorizer tokens: old token dies at once, refresh token does not rotate; 61023 when lost', async () => {
      const token = await freshComponentToken();
      const { authorizationCode } = await sandbox.control.authorize(component.componentAppid, { authorizerAppid });
      const info = (await callC('api_query_auth', token, { authorization_code: authorizationCode }))
        .authorization_info as Record<string, string>;
      const refresh = (rt: string) =>
        callC('api_authorizer_token', token, { authorizer_appid: authorizerAppid, authorizer_refresh_token: rt });

      const refreshed = await refresh(info.authorizer_refresh_token);
      expect(refreshed.authorizer_refresh_token).toBe(info.authorizer_refresh_token);
      expect(refreshed.expires_in).toBe(7200);
      expect(await wx.use(info.authorizer_access_token)).toBe(40001);
      expect(await wx.use(refreshed.authorizer_access_token as string)).toBe(0);

      expect((await refresh('refreshtoken@@@wrong')).errcode).toBe(61023);
      const { refreshToken: replaced } = await sandbox.control.loseRefreshToken(
        component.componentAppid,
        authorizerAppid,
      );
      expect((await refresh(info.authorizer_refresh_token)).errcode).toBe(61023);
      const list = await callC('api_get_authorizer_list', token, { offset: 0, count: 100 });
      expect(list).toEqual({
        total_count: 1,
        list: [{ authorizer_appid: authorizerAppid, refresh_token: replaced, auth_time: expect.any(Number) }],
      });
      expect((await refresh(replaced)).authorizer_access_token).toBeDefined();
      const unknownApp = await callC('api_authorizer_token', token, {
        authorizer_appid: 'wxnotauthorized',
        authorizer_refresh_token: replaced,
      });
      expect(unknownApp.errcode).toBe(61003);
    });

    it('honours the overlap and rotation settings', async () => {
      await sandbox.control.updateWechatComponent(component.componentAppid, {
        authorizerTokenOverlap: true,
        rotateAuthorizerRefreshToken: true,
      });
      const token = await freshComponentToken();
      const { authorizationCode } = await sandbox.control.authorize(component.componentAppid, { authorizerAppid });
      const info = (await callC('api_query_auth', token, { authorization_code: authorizationCode }))
        .authorization_info as Record<string, string>;
      const refreshed = await callC('api_authorizer_token', token, {
        authorizer_appid: authorizerAppid,
        authorizer_refresh_token: info.authorizer_refresh_token,
      });
      expect(refreshed.authorizer_refresh_token).not.toBe(info.authorizer_refresh_token);
      expect(await wx.use(info.authorizer_access_token)).toBe(0);
      await sandbox.control.advance(5 * MIN);
      expect(await wx.use(info.authorizer_access_token)).toBe(40001);
      const reuse = await callC('api_authorizer_token', token, {
        authorizer_appid: authorizerAppid,
        authorizer_refresh_token: info.authorizer_refresh_token,
      });
      expect(reuse.errcode).toBe(61023);
    });

    it('re-authorization sends updateauthorized and invalidates the previous refresh token', async () => {
      const token = await freshComponentToken();
      const first = await sandbox.control.authorize(component.componentAppid, { authorizerAppid });
      const info = (await callC('api_query_auth', token, { authorization_code: first.authorizationCode }))
        .authorization_info as Record<string, string>;
      const second = await sandbox.control.authorize(component.componentAppid, { authorizerAppid, funcInfo: [1] });
      expect(second.infoType).toBe('updateauthorized');
      expect(receiver.ofType('updateauthorized')).toHaveLength(1);
      const old = await callC('api_authorizer_token', token, {
        authorizer_appid: authorizerAppid,
        authorizer_refresh_token: info.authorizer_refresh_token,
      });
      expect(old.errcode).toBe(61023);
      const again = await callC('api_query_auth', token, { authorization_code: second.authorizationCode });
      expect((again.authorization_info as Record<string, unknown>).func_info).toEqual([
        { funcscope_category: { id: 1 } },
      ]);
    });

    it('unauthorize pushes the event and kills tokens and the refresh token', async () => {
      const token = await freshComponentToken();
      const { authorizationCode } = await sandbox.control.authorize(component.componentAppid, { authorizerAppid });
      const info = (await callC('api_query_auth', token, { authorization_code: authorizationCode }))
        .authorization_info as Record<string, string>;
      await sandbox.control.unauthorize(component.componentAppid, authorizerAppid);
      const [event] = receiver.ofType('unauthorized');
      expect(event.fields).toMatchObject({ AppId: component.componentAppid, AuthorizerAppid: authorizerAppid });
      expect(await wx.use(info.authorizer_access_token)).toBe(40001);
      const refresh = await callC('api_authorizer_token', token, {
        authorizer_appid: authorizerAppid,
        authorizer_refresh_token: info.authorizer_refresh_token,
      });
      expect(refresh.errcode).toBe(61003);
      expect((await callC('api_get_authorizer_list', token, { offset: 0, count: 10 })).total_count).toBe(0);
    });

    it('lists an authorization whose code was never exchanged with an empty refresh token', async () => {
      const token = await freshComponentToken();
      await sandbox.control.authorize(component.componentAppid, { authorizerAppid, deliver: 'redirect' });
      const list = await callC('api_get_authorizer_list', token, { offset: 0, count: 10 });
      expect(list.list).toEqual([
        { authorizer_appid: authorizerAppid, refresh_token: '', auth_time: expect.any(Number) },
      ]);
    });

    it('serves an authorization page that runs the flow and redirects', async () => {
      const token = await freshComponentToken();
      const preAuth = (await callC('api_create_preauthcode', token, {})).pre_auth_code as string;
      const params = new URLSearchParams({
        component_appid: component.componentAppid,
        pre_auth_code: preAuth,
        redirect_uri: 'https://tp.example/cb',
        auth_type: '3',
      });
      const page = await request(`${sandbox.url}/cgi-bin/componentloginpage?${params}`);
      expect(page.statusCode).toBe(200);
      expect(await page.body.text()).toContain('<form');
      const confirm = () =>
        request(`${sandbox.url}/cgi-bin/componentloginpage/confirm`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ ...Object.fromEntries(params), authorizer_appid: authorizerAppid }).toString(),
        });
      const done = await confirm();
      expect(done.statusCode).toBe(302);
      const location = new URL(String(done.headers.location));
      expect(location.origin + location.pathname).toBe('https://tp.example/cb');
      expect(location.searchParams.get('auth_code')).toMatch(/^queryauthcode@@@/);
      await done.body.dump();
      expect(receiver.ofType('authorized')[0].fields.PreAuthCode).toBe(preAuth);
      const reused = await confirm();
      expect(reused.statusCode).toBe(400);
      await reused.body.dump();
    });
  });
});
