import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SandboxClock } from '../../core/clock';
import { jsonBody, platformRoute, str, type EndpointContext, type PlatformAnswer } from '../../core/http';
import { wechatError } from '../errors';
import { callerIp, type WechatState } from '../state';
import { checkToken } from '../token-check';
import { OPEN_PLATFORM_DURATIONS as D, type WechatComponent } from './component';
import { startTicketPushes } from './tickets';

const TOKEN_PARAMS = ['component_access_token', 'access_token'] as const;

/** The component (third-party platform) APIs under /cgi-bin/component/. */
export function registerComponentRoutes(app: FastifyInstance, wx: WechatState): void {
  const { core, dialect } = wx;
  const err = (code: number, message?: string): PlatformAnswer => wechatError(core.rng, code, message);
  const bodyAppid = (request: FastifyRequest) => str(jsonBody(request), 'component_appid');
  const ipCheck = (component: WechatComponent, request: FastifyRequest): PlatformAnswer | undefined =>
    component.ipAllowed
      ? undefined
      : err(61004, `access clientip is not registered requestIP: ${callerIp(request.ip)}`);

  /**
   * Shared front of the token-protected component APIs: JSON body, valid component token, and the
   * body's component_appid naming the token's own component.
   */
  const guarded = (
    request: FastifyRequest,
    ctx: EndpointContext,
    endpoint: string,
  ): { body: Record<string, unknown>; component: WechatComponent } | PlatformAnswer => {
    const gate = checkToken(wx, request, ctx, endpoint, ['component'], TOKEN_PARAMS);
    if (!gate.ok) return gate.answer;
    const component = wx.components.get(gate.record.appid);
    if (!component) return err(40001);
    const ip = ipCheck(component, request);
    if (ip) return ip;
    const body = jsonBody(request);
    if (!body) return err(47001);
    const named = str(body, 'component_appid');
    if (named !== undefined && named !== component.componentAppid) return err(61011);
    return { body, component };
  };
  const isAnswer = (value: object): value is PlatformAnswer => !('component' in value);

  platformRoute(app, core, {
    method: 'POST',
    path: '/cgi-bin/component/api_component_token',
    dialect,
    appidOf: bodyAppid,
    handle: (request) => {
      const body = jsonBody(request);
      if (!body) return err(47001);
      const appid = str(body, 'component_appid');
      const secret = str(body, 'component_appsecret');
      const ticket = str(body, 'component_verify_ticket');
      if (!appid) return err(41002);
      if (!secret) return err(41004);
      const component = wx.components.get(appid);
      if (!component) return err(wx.apps.has(appid) ? 61011 : 40013);
      if (secret !== component.secret) return err(40125);
      const ip = ipCheck(component, request);
      if (ip) return ip;
      const now = wx.now();
      const ticketState = ticket ? component.checkTicket(ticket, now) : 'invalid';
      if (ticketState === 'invalid') return err(61006);
      if (ticketState === 'expired') return err(61005);
      const record = component.tokens.issue(now, wx.ms(D.componentTokenLifetime), wx.ms(D.tokenOverlap));
      return {
        body: {
          component_access_token: record.value,
          expires_in: SandboxClock.expiresIn(record.expiresAt - now),
        },
      };
    },
  });

  platformRoute(app, core, {
    method: 'POST',
    path: '/cgi-bin/component/api_create_preauthcode',
    dialect,
    appidOf: bodyAppid,
    handle: (request, ctx) => {
      const front = guarded(request, ctx, '/cgi-bin/component/api_create_preauthcode');
      if (isAnswer(front)) return front;
      const now = wx.now();
      const lifetime = wx.ms(D.preAuthCodeLifetime);
      const code = front.component.createPreAuthCode(now, lifetime);
      return { body: { pre_auth_code: code, expires_in: SandboxClock.expiresIn(lifetime) } };
    },
  });

  platformRoute(app, core, {
    method: 'POST',
    path: '/cgi-bin/component/api_query_auth',
    dialect,
    appidOf: bodyAppid,
    handle: (request, ctx) => {
      const front = guarded(request, ctx, '/cgi-bin/component/api_query_auth');
      if (isAnswer(front)) return front;
      const code = str(front.body, 'authorization_code');
      if (!code) return err(61009);
      const now = wx.now();
      const result = front.component.queryAuth(code, now, wx.ms(D.authorizerTokenLifetime), wx.ms(D.tokenOverlap));
      if (!result.ok) return err(result.errcode);
      const { authorizer, accessToken } = result;
      return {
        body: {
          authorization_info: {
            authorizer_appid: authorizer.authorizerAppid,
            authorizer_access_token: accessToken.value,
            expires_in: SandboxClock.expiresIn(accessToken.expiresAt - now),
            authorizer_refresh_token: authorizer.refreshToken,
            func_info: authorizer.funcInfo.map((id) => ({ funcscope_category: { id } })),
          },
        },
      };
    },
  });

  platformRoute(app, core, {
    method: 'POST',
    path: '/cgi-bin/component/api_authorizer_token',
    dialect,
    appidOf: bodyAppid,
    handle: (request, ctx) => {
      const front = guarded(request, ctx, '/cgi-bin/component/api_authorizer_token');
      if (isAnswer(front)) return front;
      const authorizerAppid = str(front.body, 'authorizer_appid');
      const refreshToken = str(front.body, 'authorizer_refresh_token');
      if (!authorizerAppid) return err(61003);
      if (!refreshToken) return err(61023);
      const now = wx.now();
      const result = front.component.refreshAuthorizer(
        authorizerAppid,
        refreshToken,
        now,
        wx.ms(D.authorizerTokenLifetime),
        wx.ms(D.tokenOverlap),
      );
      if (!result.ok) return err(result.errcode);
      return {
        body: {
          authorizer_access_token: result.accessToken.value,
          expires_in: SandboxClock.expiresIn(result.accessToken.expiresAt - now),
          authorizer_refresh_token: result.authorizer.refreshToken,
        },
      };
    },
  });

  platformRoute(app, core, {
    method: 'POST',
    path: '/cgi-bin/component/api_get_authorizer_list',
    dialect,
    appidOf: bodyAppid,
    handle: (request, ctx) => {
      const front = guarded(request, ctx, '/cgi-bin/component/api_get_authorizer_list');
      if (isAnswer(front)) return front;
      const offset = Number(front.body.offset ?? 0);
      const count = Number(front.body.count ?? 500);
      if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(count) || count < 1 || count > 500)
        return err(47001);
      const all = front.component.authorizerList();
      return { body: { total_count: all.length, list: all.slice(offset, offset + count) } };
    },
  });

  platformRoute(app, core, {
    method: 'POST',
    path: '/cgi-bin/component/api_start_push_ticket',
    dialect,
    appidOf: bodyAppid,
    handle: (request) => {
      const body = jsonBody(request);
      if (!body) return err(47001);
      const appid = str(body, 'component_appid');
      const secret = str(body, 'component_secret');
      if (!appid) return err(41002);
      if (!secret) return err(41004);
      const component = wx.components.get(appid);
      if (!component) return err(40013);
      if (secret !== component.secret) return err(40125);
      const ip = ipCheck(component, request);
      if (ip) return ip;
      const started = startTicketPushes(core, component);
      return { body: { errcode: 0, errmsg: started ? 'ok' : 'in a normal state' } };
    },
  });
}
