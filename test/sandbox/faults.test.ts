/**
 * The sandbox's fault injection (sandbox/core/faults.ts), which the integration tests rely on:
 * latency, HTTP 5xx, system busy, malformed bodies, a reset socket, drop_response (the operation
 * performed, the answer lost), garble_response (performed, the answer unreadable) and platform errors, scoped by path, appid and count, removable.
 */
import { request } from 'undici';
import { startSandbox, type SandboxHandle, type WechatAppView } from '../../sandbox';
import { WechatCaller } from '../harness/wechat-caller';

describe('sandbox: fault injection', () => {
  let sandbox: SandboxHandle;
  let wx: WechatCaller;
  let app: WechatAppView;
  const tokenUrl = () =>
    `${sandbox.url}/cgi-bin/token?grant_type=client_credential&appid=${app.appid}&secret=${app.secret}`;

  beforeAll(async () => {
    sandbox = await startSandbox({ manualClock: true, seed: 11 });
    wx = new WechatCaller(sandbox.url);
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    await sandbox.control.reset();
    app = await sandbox.control.createWechatApp({});
  });

  it('latency: waits, then answers normally', async () => {
    await sandbox.control.addFault({ path: '/cgi-bin/token', kind: 'latency', latencyMs: 300, times: 1 });
    const started = Date.now();
    const body = await wx.token(app.appid, app.secret);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(body.access_token).toBeDefined();
    const { calls } = await sandbox.control.calls({ endpoint: '/cgi-bin/token' });
    expect(calls[0]).toMatchObject({ status: 200, errcode: 0, fault: 'latency' });
  });

  it('http5xx: answers 502 by default or the given status, `times` times', async () => {
    await sandbox.control.addFault({ path: '/cgi-bin/token', kind: 'http5xx', times: 1 });
    await sandbox.control.addFault({ path: '/cgi-bin/token', kind: 'http5xx', status: 503, times: 1 });
    expect((await request(tokenUrl())).statusCode).toBe(502);
    const second = await request(tokenUrl());
    expect(second.statusCode).toBe(503);
    expect(second.headers['content-type']).toMatch(/text\/html/);
    expect((await wx.token(app.appid, app.secret)).access_token).toBeDefined();
  });

  it('busy: answers the platform system-busy error', async () => {
    await sandbox.control.addFault({ path: '/cgi-bin/stable_token', kind: 'busy', times: 1 });
    const body = await wx.stable(app.appid, app.secret);
    expect(body).toEqual({ errcode: -1, errmsg: expect.stringMatching(/^system error rid: /) });
  });

  it('malformed: 200 with a body that is not JSON', async () => {
    await sandbox.control.addFault({ path: '/cgi-bin/token', kind: 'malformed' });
    const response = await request(tokenUrl());
    expect(response.statusCode).toBe(200);
    const text = await response.body.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('reset: destroys the socket without performing the operation', async () => {
    const before = (await wx.stable(app.appid, app.secret)).access_token!;
    await sandbox.control.addFault({ path: '/cgi-bin/stable_token', kind: 'reset', times: 1 });
    await expect(wx.stable(app.appid, app.secret, true)).rejects.toThrow();
    expect(await wx.use(before)).toBe(0); // the force never happened
    const { calls } = await sandbox.control.calls({ endpoint: '/cgi-bin/stable_token' });
    expect(calls[1]).toMatchObject({ status: 0, fault: 'reset' });
  });

  it('drop_response: performs the operation, then destroys the socket', async () => {
    const before = (await wx.stable(app.appid, app.secret)).access_token!;
    await sandbox.control.addFault({ path: '/cgi-bin/stable_token', kind: 'drop_response', times: 1 });
    await expect(wx.stable(app.appid, app.secret, true)).rejects.toThrow();
    expect(await wx.use(before)).toBe(40001); // the force did happen: the old token is dead
    const after = (await wx.stable(app.appid, app.secret)).access_token!;
    expect(after).not.toBe(before);
    const { calls } = await sandbox.control.calls({ endpoint: '/cgi-bin/stable_token' });
    expect(calls[1]).toMatchObject({ status: 0, errcode: 0, fault: 'drop_response' });
  });

  it('garble_response: performs the operation, then answers HTTP 200 with a body that is not JSON', async () => {
    const before = (await wx.stable(app.appid, app.secret)).access_token!;
    await sandbox.control.addFault({ path: '/cgi-bin/stable_token', kind: 'garble_response', times: 1 });
    const response = await request(`${sandbox.url}/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'client_credential',
        appid: app.appid,
        secret: app.secret,
        force_refresh: true,
      }),
    });
    expect(response.statusCode).toBe(200);
    const text = await response.body.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(await wx.use(before)).toBe(40001); // the force did happen: the old token is dead
    const { calls } = await sandbox.control.calls({ endpoint: '/cgi-bin/stable_token' });
    expect(calls[1]).toMatchObject({ status: 200, errcode: 0, fault: 'garble_response' });
  });

  it('error: answers the given platform error with its usual message, only for the given appid', async () => {
    const other = await sandbox.control.createWechatApp({});
    await sandbox.control.addFault({ path: '/cgi-bin/token', kind: 'error', code: 89503, appid: app.appid });
    const hit = await wx.token(app.appid, app.secret);
    expect(hit.errcode).toBe(89503);
    expect(hit.errmsg).toMatch(/ rid: /);
    expect((await wx.token(other.appid, other.secret)).access_token).toBeDefined();
    expect((await wx.token(app.appid, app.secret)).errcode).toBe(89503); // no `times`: until cleared
    await sandbox.control.clearFaults();
    expect((await wx.token(app.appid, app.secret)).access_token).toBeDefined();
  });

  it('error faults cover every token-API code tests need', async () => {
    for (const code of [40164, 40125, 45009, 45011, 40013]) {
      await sandbox.control.addFault({ path: '/cgi-bin/stable_token', kind: 'error', code, times: 1 });
      const body = await wx.stable(app.appid, app.secret);
      expect(body.errcode).toBe(code);
      expect(body.errmsg).not.toMatch(/^error \d+/);
    }
  });

  it('removes a single fault by id and rejects a bad spec', async () => {
    const id = await sandbox.control.addFault({ path: '/cgi-bin/token', kind: 'busy' });
    expect((await sandbox.control.faults()).map((f) => f.id)).toEqual([id]);
    await sandbox.control.removeFault(id);
    expect((await wx.token(app.appid, app.secret)).access_token).toBeDefined();
    await expect(sandbox.control.call('POST', '/__sandbox/faults', { path: '/x', kind: 'error' })).rejects.toThrow(
      /HTTP 400/,
    );
    await expect(sandbox.control.removeFault('f999')).rejects.toThrow(/HTTP 404/);
  });
});
