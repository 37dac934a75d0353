import type { FastifyInstance } from 'fastify';
import { SandboxClock } from '../core/clock';
import { jsonBody, platformRoute, query, str, type PlatformAnswer } from '../core/http';
import { WechatApp, type TokenEndpoint } from './apps';
import { wechatError } from './errors';
import { WECHAT_DURATIONS as D } from './own-app-tokens';
import { callerIp, type WechatState } from './state';

interface Credentials {
  grantType: string | undefined;
  appid: string | undefined;
  secret: string | undefined;
}

/** GET /cgi-bin/token and POST /cgi-bin/stable_token. */
export function registerOwnAppTokenRoutes(app: FastifyInstance, wx: WechatState): void {
  const { core, dialect } = wx;
  const err = (code: number, message?: string) => wechatError(core.rng, code, message);

  /** Checks shared by both token endpoints, in the order the platform appears to apply them. */
  const authenticate = (c: Credentials, ip: string, endpoint: TokenEndpoint): WechatApp | PlatformAnswer => {
    if (c.grantType !== 'client_credential') return err(40002);
    if (!c.appid) return err(41002);
    if (!c.secret) return err(41004);
    if (wx.componentAppids().has(c.appid)) return err(61024);
    const account = wx.apps.get(c.appid);
    if (!account) return err(40013);
    if (c.secret !== account.secret) return err(40125);
    const client = callerIp(ip);
    if (!account.ipAllowed) return err(40164, `invalid ip ${client} ipv6 ::ffff:${client}, not in whitelist`);
    if (account.tokenErrcode !== null) return err(account.tokenErrcode);
    const now = wx.now();
    if (account.minuteQuota !== null && !account.minute[endpoint].tryConsume(now, wx.ms(D.minute), account.minuteQuota))
      return err(45011);
    if (!account.daily[endpoint].tryConsume(now, wx.ms(D.day), account.dailyQuota)) return err(45009);
    return account;
  };

  platformRoute(app, core, {
    method: ['GET', 'POST'],
    path: '/cgi-bin/token',
    dialect,
    appidOf: (request) => query(request).appid,
    handle: (request) => {
      const q = query(request);
      const result = authenticate({ grantType: q.grant_type, appid: q.appid, secret: q.secret }, request.ip, 'token');
      if (!(result instanceof WechatApp)) return result;
      const now = wx.now();
      const record = result.basic.issue(now, wx.ms(D.tokenLifetime), wx.ms(D.overlap));
      return { body: { access_token: record.value, expires_in: SandboxClock.expiresIn(record.expiresAt - now) } };
    },
  });

  platformRoute(app, core, {
    method: 'GET',
    path: '/cgi-bin/stable_token',
    dialect,
    appidOf: (request) => query(request).appid,
    handle: () => err(43002),
  });

  platformRoute(app, core, {
    method: 'POST',
    path: '/cgi-bin/stable_token',
    dialect,
    appidOf: (request) => str(jsonBody(request), 'appid'),
    handle: (request) => {
      const body = jsonBody(request);
      if (!body) return err(47001);
      const creds = { grantType: str(body, 'grant_type'), appid: str(body, 'appid'), secret: str(body, 'secret') };
      const result = authenticate(creds, request.ip, 'stable_token');
      if (!(result instanceof WechatApp)) return result;
      const account = result;
      const force = body.force_refresh === true || body.force_refresh === 'true';
      const now = wx.now();
      const outcome = account.stable.get(
        now,
        force,
        { lifetimeMs: wx.ms(D.tokenLifetime), handoverMs: wx.ms(D.overlap), forceGapMs: wx.ms(D.forceRefreshGap) },
        () => account.forceDaily.tryConsume(now, wx.ms(D.day), account.forceRefreshDailyLimit),
      );
      if (!outcome.ok) return err(outcome.errcode);
      const record = outcome.record;
      return { body: { access_token: record.value, expires_in: SandboxClock.expiresIn(record.expiresAt - now) } };
    },
  });
}
