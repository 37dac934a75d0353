import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { SandboxClock } from '../core/clock';
import { registerTicketControlRoutes } from '../json-push-platforms/ticket-control-routes';
import { controlInput, ControlConflict, ControlNotFound } from '../core/control';
import { query } from '../core/http';
import { beijingDateTime, kill, liveness } from '../json-push-platforms/lifetimes';
import type { BaiduState } from './state';
import { BAIDU_DURATIONS, BAIDU_RULES, type BaiduTpApp } from './tp-app';

const seconds = z.number().positive().optional();
const durationsSchema = z.object({
  ticketInterval: seconds,
  ticketValidity: seconds,
  tpTokenLifetime: seconds,
  preAuthCodeLifetime: seconds,
  authCodeLifetime: seconds,
  retrievedCodeLifetime: seconds,
  accessTokenLifetime: seconds,
  refreshTokenLifetime: seconds,
}) satisfies z.ZodType<Partial<typeof BAIDU_DURATIONS>>;
const rulesSchema = z.object({
  refreshKillsOldAccessToken: z.boolean().optional(),
  tpTokenKillsPrevious: z.boolean().optional(),
}) satisfies z.ZodType<Partial<typeof BAIDU_RULES>>;
const aesKey = z.string().regex(/^[A-Za-z0-9]{43}$/, 'EncodingAESKey is 43 characters of [a-zA-Z0-9]');

const createSchema = z.object({
  clientId: z.string().min(1).optional(),
  tpAppId: z.number().int().positive().optional(),
  token: z.string().min(1).optional(),
  encodingAESKey: aesKey.optional(),
  callbackUrl: z.url().optional(),
  /** Start the ticket timer right away (first push now). Default true. */
  startTickets: z.boolean().optional(),
  durations: durationsSchema.optional(),
  rules: rulesSchema.optional(),
});

const patchSchema = z.object({
  token: z.string().min(1).optional(),
  encodingAESKey: aesKey.optional(),
  callbackUrl: z.url().nullable().optional(),
  durations: durationsSchema.optional(),
  rules: rulesSchema.optional(),
});

const authorizeSchema = z.object({
  appId: z.number().int().positive().optional(),
  preAuthCode: z.string().min(1).optional(),
  redirectUri: z.url().optional(),
  /** Scope names granted (the app-info API's `auth_info`); default the TP's usual two. */
  scopes: z.array(z.string().min(1).max(64)).max(64).optional(),
});

const unauthorizeSchema = z.object({ appId: z.number().int().positive() });

type Params = { Params: { clientId: string } };

/** /__sandbox/baidu/…: TPs, tickets, merchant authorization, pushes. */
export function registerBaiduControlRoutes(app: FastifyInstance, bd: BaiduState): void {
  const find = (clientId: string): BaiduTpApp => {
    const tpApp = bd.apps.get(clientId);
    if (!tpApp) throw new ControlNotFound(`no baidu tp ${clientId}`);
    return tpApp;
  };

  const view = (tpApp: BaiduTpApp) => {
    const now = bd.now();
    return {
      clientId: tpApp.clientId,
      tpAppId: tpApp.tpAppId,
      token: tpApp.token,
      encodingAESKey: tpApp.encodingAESKey,
      callbackUrl: tpApp.callbackUrl ?? null,
      ticketsRunning: bd.schedule(tpApp).running,
      latestTicket: tpApp.tickets.at(-1)?.value ?? null,
      liveTpTokens: tpApp.tpTokens.filter((t) => liveness(t, now) === 'alive').map((t) => t.value),
      durations: tpApp.durations,
      rules: tpApp.rules,
      authorizers: [...tpApp.authorizations.values()].map((a) => ({
        appId: a.appId,
        authorized: a.authorized,
        accessToken: a.access?.value ?? null,
        refreshToken: a.refresh?.value ?? null,
      })),
    };
  };

  app.post('/__sandbox/baidu/tp-apps', async (request) => {
    const input = controlInput(createSchema, request);
    const rng = bd.core.rng;
    const clientId = input.clientId ?? rng.string(32);
    if (bd.apps.has(clientId)) throw new ControlConflict(`baidu tp ${clientId} exists`);
    const tpApp = bd.createApp({
      clientId,
      tpAppId: input.tpAppId ?? rng.int(10_000_000, 99_999_999),
      token: input.token ?? rng.string(16),
      encodingAESKey: input.encodingAESKey ?? rng.string(43),
      callbackUrl: input.callbackUrl,
      durations: input.durations && definedOnly(input.durations),
      rules: input.rules && definedOnly(input.rules),
    });
    if (input.startTickets ?? true) bd.schedule(tpApp).start();
    return view(tpApp);
  });

  app.get('/__sandbox/baidu/tp-apps', async () => ({ tpApps: [...bd.apps.values()].map(view) }));
  app.get<Params>('/__sandbox/baidu/tp-apps/:clientId', async (request) => view(find(request.params.clientId)));

  app.patch<Params>('/__sandbox/baidu/tp-apps/:clientId', async (request) => {
    const tpApp = find(request.params.clientId);
    const input = controlInput(patchSchema, request);
    if (input.token !== undefined) tpApp.token = input.token;
    if (input.encodingAESKey !== undefined) tpApp.encodingAESKey = input.encodingAESKey;
    if (input.callbackUrl !== undefined) tpApp.callbackUrl = input.callbackUrl ?? undefined;
    if (input.durations) Object.assign(tpApp.durations, definedOnly(input.durations));
    if (input.rules) Object.assign(tpApp.rules, definedOnly(input.rules));
    return view(tpApp);
  });

  registerTicketControlRoutes(app, { prefix: '/__sandbox/baidu/tp-apps', param: 'clientId' }, bd, find);

  /** The merchant completes the authorization page: code via redirect and via an AUTHORIZED push. */
  app.post<Params>('/__sandbox/baidu/tp-apps/:clientId/authorize', async (request) => {
    const tpApp = find(request.params.clientId);
    const input = controlInput(authorizeSchema, request);
    const now = bd.now();
    if (input.preAuthCode !== undefined) {
      const pre = tpApp.preAuthCodes.get(input.preAuthCode);
      if (!pre || liveness(pre, now) !== 'alive')
        throw new ControlConflict('pre_auth_code is unknown, used or expired');
      kill(pre, now);
    }
    const appId = input.appId ?? bd.core.rng.int(10_000_000, 99_999_999);
    const { code, event } = tpApp.authorize(appId, now, input.scopes);
    const expiresIn = SandboxClock.expiresIn(code.expiresAt - now);
    const push = bd.send(tpApp, event, {
      appId,
      tpAppId: tpApp.tpAppId,
      eventTime: beijingDateTime(now),
      event,
      authorizationCode: code.value,
      authorizationCodeExpiresIn: expiresIn,
    });
    const redirect = input.redirectUri
      ? `${input.redirectUri}${input.redirectUri.includes('?') ? '&' : '?'}${new URLSearchParams({
          authorization_code: code.value,
          expires_in: String(expiresIn),
        })}`
      : null;
    return { appId, authorizationCode: code.value, expiresIn, event, redirect, pushId: push?.id ?? null };
  });

  app.post<Params>('/__sandbox/baidu/tp-apps/:clientId/unauthorize', async (request) => {
    const tpApp = find(request.params.clientId);
    const { appId } = controlInput(unauthorizeSchema, request);
    const now = bd.now();
    if (!tpApp.unauthorize(appId, now)) throw new ControlNotFound(`${appId} is not authorized`);
    const push = bd.send(tpApp, 'UNAUTHORIZED', {
      appId,
      tpAppId: tpApp.tpAppId,
      eventTime: beijingDateTime(now),
      event: 'UNAUTHORIZED',
    });
    return { ok: true, pushId: push?.id ?? null };
  });

  app.get('/__sandbox/baidu/pushes', async (request) => {
    const q = query(request);
    return { pushes: bd.pushes.list({ appid: q.appid, kind: q.kind }) };
  });
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
