import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { InvalidTokenReason } from '../core/call-log';
import { SandboxClock } from '../core/clock';
import { formBody, jsonBody, platformRoute, query, str, type PlatformAnswer } from '../core/http';
import { liveness, singleUseState } from '../json-push-platforms/lifetimes';
import { oauthError, smartappAnswer, smartappError } from './errors';
import type { BaiduState } from './state';
import { BD, type BaiduTpApp } from './tp-app';

export const BAIDU_PATHS = {
  tpToken: '/public/2.0/smartapp/auth/tp/token',
  preAuthCode: '/rest/2.0/smartapp/tp/createpreauthcode',
  oauthToken: '/rest/2.0/oauth/token',
  appInfo: '/rest/2.0/smartapp/app/info',
  retrieveAuthCode: '/rest/2.0/smartapp/auth/retrieve/authorizationcode',
} as const;

/** `app_id` may come as a query parameter, a form field or JSON; real clients differ. */
function appIdParam(request: FastifyRequest): number | undefined {
  const raw = query(request).app_id ?? formBody(request).app_id ?? str(jsonBody(request), 'app_id');
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined;
}

/** Upstream Baidu endpoints (docs/platforms.md §4.2–4.7). */
export function registerBaiduApiRoutes(app: FastifyInstance, bd: BaiduState): void {
  const recordInvalid = (endpoint: string, appid: string | null, reason: InvalidTokenReason, token = ''): void =>
    bd.core.calls.recordInvalidToken({
      at: bd.now(),
      platform: 'baidu',
      endpoint,
      appid,
      reason,
      tokenPrefix: token.slice(0, 12),
    });

  /** The TP behind `access_token`, or why the token does not work (as a state, rendered per envelope). */
  const tpGate = (
    request: FastifyRequest,
    endpoint: string,
  ): { app: BaiduTpApp } | { reason: InvalidTokenReason; expired: boolean } => {
    const token = query(request).access_token;
    const tpApp = bd.appByTpToken(token);
    const state = tpApp ? tpApp.tpTokenState(token, bd.now()) : 'unknown';
    if (tpApp && state === 'alive') return { app: tpApp };
    const reason: InvalidTokenReason = !token ? 'missing' : state === 'alive' ? 'unknown' : state;
    recordInvalid(endpoint, tpApp?.clientId ?? null, reason, token);
    return { reason, expired: reason === 'expired' };
  };

  const smartappTokenError = (expired: boolean): PlatformAnswer =>
    expired
      ? smartappError(BD.tokenExpired, 'access token expired')
      : smartappError(BD.tokenAuthFailed, 'access token check failed');

  const tpAppidOf = (request: FastifyRequest) => bd.appByTpToken(query(request).access_token)?.clientId;

  platformRoute(app, bd.core, {
    method: 'GET',
    path: BAIDU_PATHS.tpToken,
    dialect: bd.smartapp,
    appidOf: (request) => query(request).client_id,
    handle: (request) => {
      const q = query(request);
      if (!q.client_id) return smartappError(BD.param, 'client_id is required');
      const tpApp = bd.apps.get(q.client_id);
      if (!tpApp) return smartappError(BD.clientIdMissing, 'client_id does not exist');
      const result = tpApp.tpToken(q.ticket, bd.now());
      if (!result.ok) return smartappError(result.code, result.message);
      return smartappAnswer({
        access_token: result.token.value,
        expires_in: SandboxClock.expiresIn(result.token.expiresAt - bd.now()),
        scope: 'smartapp_tp_smtapp_common public',
      });
    },
  });

  platformRoute(app, bd.core, {
    method: 'GET',
    path: BAIDU_PATHS.preAuthCode,
    dialect: bd.smartapp,
    appidOf: tpAppidOf,
    handle: (request) => {
      const gate = tpGate(request, BAIDU_PATHS.preAuthCode);
      if (!('app' in gate)) return smartappTokenError(gate.expired);
      const code = gate.app.preAuthCode(bd.now());
      return smartappAnswer({
        pre_auth_code: code.value,
        expires_in: SandboxClock.expiresIn(code.expiresAt - bd.now()),
      });
    },
  });

  platformRoute(app, bd.core, {
    method: 'GET',
    path: BAIDU_PATHS.oauthToken,
    dialect: bd.oauth,
    // Faults can target one authorizer: resolve its app id from the refresh token or code being used.
    appidOf: (request) => {
      const q = query(request);
      const tpApp = bd.appByTpToken(q.access_token);
      const byRefresh = q.refresh_token ? tpApp?.authorizerTokens.get(q.refresh_token)?.appId : undefined;
      const byCode = q.code ? tpApp?.authCodes.get(q.code)?.appId : undefined;
      const appId = byRefresh ?? byCode;
      return appId !== undefined ? String(appId) : tpApp?.clientId;
    },
    handle: (request, ctx) => {
      const q = query(request);
      if (q.grant_type !== 'app_to_tp_authorization_code' && q.grant_type !== 'app_to_tp_refresh_token') {
        return oauthError(
          'unsupported_grant_type',
          `The authorization grant type is not supported: ${q.grant_type ?? ''}`,
        );
      }
      const gate = tpGate(request, BAIDU_PATHS.oauthToken);
      if (!('app' in gate)) return oauthError('invalid_client', 'unknown client or invalid tp access_token');
      const byCode = q.grant_type === 'app_to_tp_authorization_code';
      const value = (byCode ? q.code : q.refresh_token) ?? '';
      const code = byCode ? gate.app.authCodes.get(value) : undefined;
      const token = byCode ? undefined : gate.app.authorizerTokens.get(value);
      const refreshToken = token?.kind === 'refresh' ? token : undefined;
      const state = singleUseState(code ?? refreshToken?.record, bd.now());
      const owner = code?.appId ?? refreshToken?.appId;
      const result = byCode ? gate.app.exchangeCode(q.code, bd.now()) : gate.app.refresh(q.refresh_token, bd.now());
      // Which single-use values were spent, and whether any was presented twice (bench/chaos-run.ts).
      bd.core.calls.recordSingleUse({
        at: bd.now(),
        platform: 'baidu',
        endpoint: BAIDU_PATHS.oauthToken,
        authorizerAppid: owner !== undefined ? String(owner) : null,
        kind: byCode ? 'authorization_code' : 'refresh_token',
        state,
        accepted: result.ok,
        valuePrefix: value.slice(0, 12),
      });
      if (!result.ok) return oauthError(result.error, result.description);
      ctx.setAppid(String(result.appId));
      // Flat and without the app id, exactly like the real endpoint (docs/platforms.md §4.5).
      return { body: result.grant };
    },
  });

  platformRoute(app, bd.core, {
    method: 'GET',
    path: BAIDU_PATHS.appInfo,
    dialect: bd.smartapp,
    appidOf: (request) => {
      const token = query(request).access_token;
      const appId = token ? bd.appByAuthorizerToken(token)?.authorizerTokens.get(token)?.appId : undefined;
      return appId !== undefined ? String(appId) : undefined;
    },
    handle: (request) => {
      const token = query(request).access_token;
      const tpApp = bd.appByAuthorizerToken(token);
      const check = tpApp ? tpApp.checkAuthorizerToken(token, bd.now()) : undefined;
      if (!check?.ok) {
        const entry = token ? tpApp?.authorizerTokens.get(token) : undefined;
        const reason: InvalidTokenReason = !token
          ? 'missing'
          : !entry
            ? 'unknown'
            : entry.kind !== 'access'
              ? 'wrong_type'
              : (liveness(entry.record, bd.now()) as InvalidTokenReason);
        recordInvalid(BAIDU_PATHS.appInfo, entry ? String(entry.appId) : null, reason, token);
        return check
          ? smartappError(check.code, check.message)
          : smartappError(BD.tokenAuthFailed, 'access token check failed');
      }
      const a = check.authorization;
      return smartappAnswer({
        app_id: a.appId,
        app_key: a.appKey,
        app_name: a.appName,
        app_desc: 'A Baidu smart program simulated by the token-central sandbox',
        photo_addr: [],
        auth_info: a.authInfo,
      });
    },
  });

  platformRoute(app, bd.core, {
    method: 'POST',
    path: BAIDU_PATHS.retrieveAuthCode,
    dialect: bd.smartapp,
    appidOf: (request) => {
      const appId = appIdParam(request);
      return appId !== undefined ? String(appId) : tpAppidOf(request);
    },
    handle: (request) => {
      const gate = tpGate(request, BAIDU_PATHS.retrieveAuthCode);
      if (!('app' in gate)) return smartappTokenError(gate.expired);
      const result = gate.app.retrieveCode(appIdParam(request), bd.now());
      if (!result.ok) return smartappError(result.code, result.message);
      return smartappAnswer({
        authorization_code: result.code.value,
        expires_in: SandboxClock.expiresIn(result.code.expiresAt - bd.now()),
      });
    },
  });
}
