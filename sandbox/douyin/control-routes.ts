import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { registerTicketControlRoutes } from '../json-push-platforms/ticket-control-routes';
import { controlInput, ControlConflict, ControlNotFound } from '../core/control';
import { query } from '../core/http';
import { TOKEN_CHARS } from '../core/rng';
import { SandboxClock } from '../core/clock';
import { beijingDateTime, kill, liveness } from '../json-push-platforms/lifetimes';
import type { DouyinState } from './state';
import { DOUYIN_DURATIONS, type DouyinTpApp } from './tp-app';

const seconds = z.number().positive().optional();
const durationsSchema = z.object({
  ticketInterval: seconds,
  ticketValidity: seconds,
  componentTokenLifetime: seconds,
  componentTokenGrace: seconds,
  preAuthCodeLifetime: seconds,
  authCodeLifetime: seconds,
  accessTokenLifetime: seconds,
  refreshTokenLifetime: seconds,
}) satisfies z.ZodType<Partial<typeof DOUYIN_DURATIONS>>;
const aesKey = z.string().regex(/^[A-Za-z0-9]{43}$/, 'EncodingAESKey is 43 characters of [a-zA-Z0-9]');

const createSchema = z.object({
  componentAppid: z.string().min(1).optional(),
  componentSecret: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  encodingAESKey: aesKey.optional(),
  callbackUrl: z.url().optional(),
  /** Start the ticket timer right away (first push now). Default true. */
  startTickets: z.boolean().optional(),
  durations: durationsSchema.optional(),
});

const patchSchema = z.object({
  componentSecret: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  encodingAESKey: aesKey.optional(),
  callbackUrl: z.url().nullable().optional(),
  durations: durationsSchema.optional(),
});

const permissionSchema = z.object({ id: z.number().int(), category: z.string(), description: z.string() });

const authorizeSchema = z.object({
  authorizerAppid: z.string().min(1).optional(),
  /** When given it must be a live pre-auth code of this TP app; it is consumed. */
  preAuthCode: z.string().min(1).optional(),
  redirectUri: z.url().optional(),
  permissions: z.array(permissionSchema).optional(),
});

const unauthorizeSchema = z.object({ authorizerAppid: z.string().min(1) });

type Params = { Params: { appid: string } };

/** /__sandbox/douyin/…: TP apps, tickets, merchant authorization, pushes. */
export function registerDouyinControlRoutes(app: FastifyInstance, dy: DouyinState): void {
  const find = (appid: string): DouyinTpApp => {
    const tpApp = dy.apps.get(appid);
    if (!tpApp) throw new ControlNotFound(`no douyin tp app ${appid}`);
    return tpApp;
  };

  const view = (tpApp: DouyinTpApp) => {
    const now = dy.now();
    return {
      componentAppid: tpApp.componentAppid,
      componentSecret: tpApp.componentSecret,
      token: tpApp.token,
      encodingAESKey: tpApp.encodingAESKey,
      callbackUrl: tpApp.callbackUrl ?? null,
      ticketsRunning: dy.schedule(tpApp).running,
      latestTicket: tpApp.tickets.at(-1)?.value ?? null,
      liveComponentTokens: tpApp.componentTokens.filter((t) => liveness(t, now) === 'alive').map((t) => t.value),
      durations: tpApp.durations,
      authorizers: [...tpApp.authorizations.values()].map((a) => ({
        authorizerAppid: a.authorizerAppid,
        authorized: a.authorized,
        accessToken: a.pair?.access.value ?? null,
        refreshToken: a.pair?.refresh.value ?? null,
      })),
    };
  };

  app.post('/__sandbox/douyin/tp-apps', async (request) => {
    const input = controlInput(createSchema, request);
    const rng = dy.core.rng;
    const componentAppid = input.componentAppid ?? `tt${rng.hex(16)}`;
    if (dy.apps.has(componentAppid)) throw new ControlConflict(`douyin tp app ${componentAppid} exists`);
    const tpApp = dy.createApp({
      componentAppid,
      componentSecret: input.componentSecret ?? rng.hex(40),
      token: input.token ?? rng.string(16),
      encodingAESKey: input.encodingAESKey ?? rng.string(43),
      callbackUrl: input.callbackUrl,
      durations: input.durations && definedOnly(input.durations),
    });
    if (input.startTickets ?? true) dy.schedule(tpApp).start();
    return view(tpApp);
  });

  app.get('/__sandbox/douyin/tp-apps', async () => ({ tpApps: [...dy.apps.values()].map(view) }));
  app.get<Params>('/__sandbox/douyin/tp-apps/:appid', async (request) => view(find(request.params.appid)));

  app.patch<Params>('/__sandbox/douyin/tp-apps/:appid', async (request) => {
    const tpApp = find(request.params.appid);
    const input = controlInput(patchSchema, request);
    if (input.componentSecret !== undefined) tpApp.componentSecret = input.componentSecret;
    if (input.token !== undefined) tpApp.token = input.token;
    if (input.encodingAESKey !== undefined) tpApp.encodingAESKey = input.encodingAESKey;
    if (input.callbackUrl !== undefined) tpApp.callbackUrl = input.callbackUrl ?? undefined;
    if (input.durations) Object.assign(tpApp.durations, definedOnly(input.durations));
    return view(tpApp);
  });

  registerTicketControlRoutes(app, { prefix: '/__sandbox/douyin/tp-apps', param: 'appid' }, dy, find);

  /** The merchant completes the authorization page: code via redirect and via an AUTHORIZED push. */
  app.post<Params>('/__sandbox/douyin/tp-apps/:appid/authorize', async (request) => {
    const tpApp = find(request.params.appid);
    const input = controlInput(authorizeSchema, request);
    const now = dy.now();
    if (input.preAuthCode !== undefined) {
      const pre = tpApp.preAuthCodes.get(input.preAuthCode);
      if (!pre || liveness(pre, now) !== 'alive')
        throw new ControlConflict('pre_auth_code is unknown, used or expired');
      kill(pre, now);
    }
    const authorizerAppid = input.authorizerAppid ?? `tt${dy.core.rng.string(16, TOKEN_CHARS.slice(26, 62))}`;
    const { code, event } = tpApp.authorize(authorizerAppid, input.permissions, now);
    const expiresIn = SandboxClock.expiresIn(code.expiresAt - now);
    const push = dy.send(tpApp, event, {
      AppId: authorizerAppid,
      TpAppId: tpApp.componentAppid,
      EventTime: beijingDateTime(now),
      Event: event,
      AuthorizationCode: code.value,
      AuthorizationCodeExpiresIn: expiresIn,
    });
    const redirect = input.redirectUri
      ? `${input.redirectUri}${input.redirectUri.includes('?') ? '&' : '?'}${new URLSearchParams({
          authorization_code: code.value,
          expires_in: String(expiresIn),
        })}`
      : null;
    return { authorizerAppid, authorizationCode: code.value, expiresIn, event, redirect, pushId: push?.id ?? null };
  });

  app.post<Params>('/__sandbox/douyin/tp-apps/:appid/unauthorize', async (request) => {
    const tpApp = find(request.params.appid);
    const { authorizerAppid } = controlInput(unauthorizeSchema, request);
    const now = dy.now();
    if (!tpApp.unauthorize(authorizerAppid, now)) throw new ControlNotFound(`${authorizerAppid} is not authorized`);
    const push = dy.send(tpApp, 'UNAUTHORIZED', {
      AppId: authorizerAppid,
      TpAppId: tpApp.componentAppid,
      EventTime: beijingDateTime(now),
      Event: 'UNAUTHORIZED',
    });
    return { ok: true, pushId: push?.id ?? null };
  });

  app.get('/__sandbox/douyin/pushes', async (request) => {
    const q = query(request);
    return { pushes: dy.pushes.list({ appid: q.appid, kind: q.kind }) };
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
