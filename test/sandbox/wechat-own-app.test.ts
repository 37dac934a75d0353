/**
 * The WeChat own-app token fake (sandbox/wechat/): /cgi-bin/token and /cgi-bin/stable_token as the
 * platform behaves — token overlap, expiry, documented errors, IP whitelist, daily and minute quotas,
 * force refresh limits — plus the per-app call log and counters the integration tests read.
 */
import { startSandbox, type SandboxHandle, type WechatAppView } from '../../sandbox';
import { WechatCaller } from '../harness/wechat-caller';

const MIN = 60_000;

describe('sandbox: WeChat own-app tokens (manual clock, scale 1)', () => {
  let sandbox: SandboxHandle;
  let wx: WechatCaller;
  let app: WechatAppView;

  beforeAll(async () => {
    sandbox = await startSandbox({ manualClock: true, seed: 7 });
    wx = new WechatCaller(sandbox.url);
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    await sandbox.control.reset();
    app = await sandbox.control.createWechatApp({});
  });

  describe('/cgi-bin/token', () => {
    it('returns a long opaque token with expires_in 7200', async () => {
      const body = await wx.token(app.appid, app.secret);
      expect(body.expires_in).toBe(7200);
      expect(body.access_token!.length).toBeGreaterThanOrEqual(100);
      expect(await wx.use(body.access_token)).toBe(0);
    });

    it('keeps the previous token alive for 5 minutes after a re-issue, then kills it (40001)', async () => {
      const a = (await wx.token(app.appid, app.secret)).access_token!;
      await sandbox.control.advance(10 * MIN);
      const b = (await wx.token(app.appid, app.secret)).access_token!;
      expect(b).not.toBe(a);
      await sandbox.control.advance(5 * MIN - 1);
      expect(await wx.use(a)).toBe(0);
      await sandbox.control.advance(1);
      expect(await wx.use(a)).toBe(40001);
      expect(await wx.use(b)).toBe(0);
    });

    it('kills the token before the previous one at once', async () => {
      const a = (await wx.token(app.appid, app.secret)).access_token!;
      const b = (await wx.token(app.appid, app.secret)).access_token!;
      expect(await wx.use(a)).toBe(0);
      const c = (await wx.token(app.appid, app.secret)).access_token!;
      expect(await wx.use(a)).toBe(40001);
      expect(await wx.use(b)).toBe(0);
      expect(await wx.use(c)).toBe(0);
    });

    it('expires a token after its lifetime (42001)', async () => {
      const a = (await wx.token(app.appid, app.secret)).access_token!;
      await sandbox.control.advance(7200_000 - 1);
      expect(await wx.use(a)).toBe(0);
      await sandbox.control.advance(1);
      expect(await wx.use(a)).toBe(42001);
    });

    it('answers the documented errors with a rid suffix', async () => {
      const q = (params: Record<string, string>) => wx.get('/cgi-bin/token', params);
      expect((await q({ grant_type: 'x', appid: app.appid, secret: app.secret })).errcode).toBe(40002);
      expect((await q({ grant_type: 'client_credential', secret: app.secret })).errcode).toBe(41002);
      expect((await q({ grant_type: 'client_credential', appid: app.appid })).errcode).toBe(41004);
      expect((await q({ grant_type: 'client_credential', appid: 'wxnope', secret: 's' })).errcode).toBe(40013);
      const wrong = await q({ grant_type: 'client_credential', appid: app.appid, secret: 'wrong' });
      expect(wrong).toEqual({ errcode: 40125, errmsg: expect.stringMatching(/^invalid appsecret rid: [0-9a-f-]+$/) });
    });

    it('rejects a caller IP outside the whitelist with 40164 naming the IP', async () => {
      await sandbox.control.updateWechatApp(app.appid, { ipAllowed: false });
      const body = await wx.token(app.appid, app.secret);
      expect(body.errcode).toBe(40164);
      expect(body.errmsg).toMatch(/invalid ip 127\.0\.0\.1 .*not in whitelist rid: /);
      expect((await wx.stable(app.appid, app.secret)).errcode).toBe(40164);
    });

    it('enforces the daily quota (45009) and resets it the next (sandbox) day', async () => {
      await sandbox.control.updateWechatApp(app.appid, { dailyQuota: 3 });
      for (let i = 0; i < 3; i++) expect((await wx.token(app.appid, app.secret)).access_token).toBeDefined();
      expect((await wx.token(app.appid, app.secret)).errcode).toBe(45009);
      await sandbox.control.advance(24 * 60 * MIN);
      expect((await wx.token(app.appid, app.secret)).access_token).toBeDefined();
    });

    it('a secret change takes effect at once (40125 for the old one)', async () => {
      await sandbox.control.updateWechatApp(app.appid, { secret: 'new-secret' });
      expect((await wx.token(app.appid, app.secret)).errcode).toBe(40125);
      expect((await wx.token(app.appid, 'new-secret')).access_token).toBeDefined();
    });
  });

  describe('/cgi-bin/stable_token', () => {
    it('returns the same token in normal mode with the remaining lifetime', async () => {
      const first = await wx.stable(app.appid, app.secret);
      expect(first.expires_in).toBe(7200);
      await sandbox.control.advance(1000 * 1000);
      const second = await wx.stable(app.appid, app.secret, false);
      expect(second.access_token).toBe(first.access_token);
      expect(second.expires_in).toBe(6200);
    });

    it('hands out a new token in the last 5 minutes; the old one lives to its own expiry', async () => {
      const old = (await wx.stable(app.appid, app.secret)).access_token!;
      await sandbox.control.advance(7200_000 - 300_000 - 1);
      const still = await wx.stable(app.appid, app.secret);
      expect(still.access_token).toBe(old);
      expect(still.expires_in).toBeGreaterThanOrEqual(300);
      await sandbox.control.advance(1);
      const fresh = await wx.stable(app.appid, app.secret);
      expect(fresh.access_token).not.toBe(old);
      expect(fresh.expires_in).toBe(7200);
      expect(await wx.use(old)).toBe(0);
      await sandbox.control.advance(300_000);
      expect(await wx.use(old)).toBe(42001);
      expect(await wx.use(fresh.access_token)).toBe(0);
    });

    it('force_refresh kills the previous token at once', async () => {
      const old = (await wx.stable(app.appid, app.secret)).access_token!;
      const forced = await wx.stable(app.appid, app.secret, true);
      expect(forced.access_token).not.toBe(old);
      expect(forced.expires_in).toBe(7200);
      expect(await wx.use(old)).toBe(40001);
      expect(await wx.use(forced.access_token)).toBe(0);
    });

    it('ignores a force within 30 s of the previous force', async () => {
      const first = (await wx.stable(app.appid, app.secret, true)).access_token!;
      await sandbox.control.advance(29_999);
      expect((await wx.stable(app.appid, app.secret, true)).access_token).toBe(first);
      await sandbox.control.advance(1);
      const second = (await wx.stable(app.appid, app.secret, true)).access_token!;
      expect(second).not.toBe(first);
      expect(await wx.use(first)).toBe(40001);
    });

    it('allows 20 forces a day, then 45009 (normal mode still works)', async () => {
      for (let i = 0; i < 20; i++) {
        expect((await wx.stable(app.appid, app.secret, true)).access_token).toBeDefined();
        await sandbox.control.advance(30_000);
      }
      const refused = await wx.stable(app.appid, app.secret, true);
      expect(refused.errcode).toBe(45009);
      expect((await wx.stable(app.appid, app.secret)).access_token).toBeDefined();
      await sandbox.control.advance(24 * 60 * MIN);
      expect((await wx.stable(app.appid, app.secret, true)).access_token).toBeDefined();
    });

    it('honours forceRefreshDailyLimit', async () => {
      await sandbox.control.updateWechatApp(app.appid, { forceRefreshDailyLimit: 1 });
      expect((await wx.stable(app.appid, app.secret, true)).access_token).toBeDefined();
      await sandbox.control.advance(30_000);
      expect((await wx.stable(app.appid, app.secret, true)).errcode).toBe(45009);
    });

    it('enforces the minute quota (45011)', async () => {
      await sandbox.control.updateWechatApp(app.appid, { minuteQuota: 2 });
      await wx.stable(app.appid, app.secret);
      await wx.stable(app.appid, app.secret);
      const body = await wx.stable(app.appid, app.secret);
      expect(body.errcode).toBe(45011);
      expect(body.errmsg).toMatch(/minute-quota/);
      await sandbox.control.advance(MIN);
      expect((await wx.stable(app.appid, app.secret)).access_token).toBeDefined();
    });

    it('answers 43002 to GET and 47001 to a body that is not JSON', async () => {
      expect((await wx.get('/cgi-bin/stable_token', { appid: app.appid })).errcode).toBe(43002);
      expect((await wx.post('/cgi-bin/stable_token', '{not json')).errcode).toBe(47001);
      expect((await wx.post('/cgi-bin/stable_token', { grant_type: 'x', appid: app.appid })).errcode).toBe(40002);
    });
  });

  it('keeps basic and stable token families independent', async () => {
    const stable = (await wx.stable(app.appid, app.secret)).access_token!;
    const basic1 = (await wx.token(app.appid, app.secret)).access_token!;
    await wx.token(app.appid, app.secret);
    await wx.token(app.appid, app.secret);
    expect(await wx.use(stable)).toBe(0);
    await wx.stable(app.appid, app.secret, true);
    expect(await wx.use(stable)).toBe(40001);
    expect(await wx.use(basic1)).toBe(40001); // killed by its own family's re-issues, not by the force
    const basic3 = (await wx.token(app.appid, app.secret)).access_token!;
    await wx.stable(app.appid, app.secret, true);
    expect(await wx.use(basic3)).toBe(0);
  });

  it('counts every business call made with a bad token, per app', async () => {
    const a = (await wx.token(app.appid, app.secret)).access_token!;
    const other = await sandbox.control.createWechatApp({});
    const b = (await wx.stable(other.appid, other.secret)).access_token!;
    expect(await wx.use(undefined)).toBe(41001);
    expect(await wx.use('bogus')).toBe(40001);
    await sandbox.control.advance(7200_000);
    expect(await wx.use(a)).toBe(42001);
    expect(await wx.use(b)).toBe(42001);
    expect(await wx.use(b)).toBe(42001);
    const stats = await sandbox.control.stats();
    expect(stats.invalidTokenUses).toBe(5);
    expect(stats.invalidTokenUsesByApp[app.appid]).toBe(1);
    expect(stats.invalidTokenUsesByApp[other.appid]).toBe(2);
    const uses = await sandbox.control.invalidTokenUses({ appid: other.appid });
    expect(uses.uses.map((u) => u.reason)).toEqual(['expired', 'expired']);
  });

  it('records every upstream call with its errcode', async () => {
    await wx.token(app.appid, app.secret);
    await wx.token(app.appid, 'bad');
    await wx.stable(app.appid, app.secret);
    const { calls, total } = await sandbox.control.calls({ endpoint: '/cgi-bin/token' });
    expect(total).toBe(2);
    expect(calls.map((c) => [c.platform, c.appid, c.status, c.errcode, c.fault])).toEqual([
      ['wechat', app.appid, 200, 0, null],
      ['wechat', app.appid, 200, 40125, null],
    ]);
    const stats = await sandbox.control.stats();
    expect(stats.upstreamCalls[`wechat /cgi-bin/token ${app.appid}`]).toBe(2);
    expect(stats.upstreamCalls[`wechat /cgi-bin/stable_token ${app.appid}`]).toBe(1);
  });

  it('reset clears apps, tokens and logs', async () => {
    const token = (await wx.token(app.appid, app.secret)).access_token!;
    await sandbox.control.reset();
    expect((await wx.token(app.appid, app.secret)).errcode).toBe(40013);
    expect(await wx.use(token)).toBe(40001);
    expect((await sandbox.control.calls()).total).toBe(2);
  });
});
