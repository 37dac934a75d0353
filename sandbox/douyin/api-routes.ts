import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { InvalidTokenReason } from '../core/call-log';
import { SandboxClock } from '../core/clock';
import { jsonBody, platformRoute, query, str, type PlatformAnswer } from '../core/http';
import { liveness, singleUseState } from '../json-push-platforms/lifetimes';
import { envelopeAnswer, envelopeError, flatError } from './errors';
import type { DouyinState } from './state';
import { DY, type DouyinFailure, type DouyinTpApp } from './tp-app';

export const DOUYIN_PATHS = {
  componentToken: '/openapi/v2/auth/tp/token/',
  preAuthCode: '/api/tpapp/v3/auth/get_pre_auth_code/',
  authToken: '/api/tpapp/v2/auth/get_auth_token/',
  retrieveAuthCode: '/api/tpapp/v2/auth/retrieve_auth_code/',
  /** A business API taking an authorizer token: the central server's callers use it. */
  basicInfo: '/api/apps/v2/basic_info/get_info/',
} as const;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Upstream Douyin V2 endpoints (docs/platforms.md §3.2–3.6). */
export function registerDouyinApiRoutes(app: FastifyInstance, dy: DouyinState): void {
  const envelopeFailure = (failure: DouyinFailure): PlatformAnswer =>
    envelopeError(dy.core.rng, dy.now(), failure.code, failure.message);

  const recordInvalid = (endpoint: string, appid: string | null, reason: InvalidTokenReason, token = ''): void =>
    dy.core.calls.recordInvalidToken({
      at: dy.now(),
      platform: 'douyin',
      endpoint,
      appid,
      reason,
      tokenPrefix: token.slice(0, 12),
    });

  /** The TP app behind the `access-token` header, or the answer to give when the token does not work. */
  const componentGate = (
    request: FastifyRequest,
    endpoint: string,
  ): { app: DouyinTpApp } | { answer: PlatformAnswer } => {
    const token = header(request, 'access-token');
    const app = dy.appByComponentToken(token);
    if (!token || !app) {
      recordInvalid(endpoint, null, token ? 'unknown' : 'missing', token);
      return {
        answer: envelopeError(dy.core.rng, dy.now(), DY.componentTokenWrong, 'component access token is wrong'),
      };
    }
    const check = app.checkComponentToken(token, dy.now());
    if (!check.ok) {
      const record = app.componentTokens.find((t) => t.value === token);
      recordInvalid(
        endpoint,
        app.componentAppid,
        record ? (liveness(record, dy.now()) as InvalidTokenReason) : 'unknown',
        token,
      );
      return { answer: envelopeFailure(check) };
    }
    return { app };
  };

  const componentAppidOf = (request: FastifyRequest) =>
    dy.appByComponentToken(header(request, 'access-token'))?.componentAppid;

  platformRoute(app, dy.core, {
    method: 'GET',
    path: DOUYIN_PATHS.componentToken,
    dialect: dy.flatDialect,
    appidOf: (request) => query(request).component_appid,
    handle: (request) => {
      const q = query(request);
      const tpApp = q.component_appid ? dy.apps.get(q.component_appid) : undefined;
      if (!q.component_appid) return flatError(DY.param, 'component_appid is required');
      if (!tpApp) return flatError(DY.tpNotFound, 'tp app not found');
      const result = tpApp.componentToken(q.component_appsecret, q.component_ticket, dy.now());
      if (!result.ok) return flatError(result.code, result.message);
      return {
        body: {
          component_access_token: result.token.value,
          expires_in: SandboxClock.expiresIn(result.token.expiresAt - dy.now()),
        },
      };
    },
  });

  platformRoute(app, dy.core, {
    method: 'POST',
    path: DOUYIN_PATHS.preAuthCode,
    dialect: dy.envelopeDialect,
    appidOf: componentAppidOf,
    handle: (request) => {
      const gate = componentGate(request, DOUYIN_PATHS.preAuthCode);
      if ('answer' in gate) return gate.answer;
      const code = gate.app.preAuthCode(dy.now());
      return envelopeAnswer(dy.core.rng, dy.now(), {
        pre_auth_code: code.value,
        expires_in: SandboxClock.expiresIn(code.expiresAt - dy.now()),
      });
    },
  });

  platformRoute(app, dy.core, {
    method: 'GET',
    path: DOUYIN_PATHS.authToken,
    dialect: dy.envelopeDialect,
    // Faults can target one authorizer: resolve it from the refresh token or code being used.
    appidOf: (request) => {
      const q = query(request);
      const tpApp = dy.appByComponentToken(header(request, 'access-token'));
      const byRefresh = q.authorizer_refresh_token && tpApp?.authorizerTokens.get(q.authorizer_refresh_token);
      const byCode = q.authorization_code && tpApp?.authCodes.get(q.authorization_code);
      return (byRefresh || byCode || undefined)?.authorizerAppid ?? tpApp?.componentAppid;
    },
    handle: (request, ctx) => {
      const gate = componentGate(request, DOUYIN_PATHS.authToken);
      if ('answer' in gate) return gate.answer;
      const q = query(request);
      const byCode = q.grant_type === 'app_to_tp_authorization_code';
      const value = (byCode ? q.authorization_code : q.authorizer_refresh_token) ?? '';
      const code = byCode ? gate.app.authCodes.get(value) : undefined;
      const token = byCode ? undefined : gate.app.authorizerTokens.get(value);
      const refreshToken = token?.kind === 'refresh' ? token : undefined;
      const state = singleUseState(code ?? refreshToken?.record, dy.now());
      const result =
        q.grant_type === 'app_to_tp_authorization_code'
          ? gate.app.exchangeCode(q.authorization_code, dy.now())
          : q.grant_type === 'app_to_tp_refresh_token'
            ? gate.app.refresh(q.authorizer_refresh_token, dy.now())
            : ({ ok: false, code: DY.invalidGrantType, message: 'invalid grant_type' } as const);
      if (byCode || q.grant_type === 'app_to_tp_refresh_token') {
        // Which single-use values were spent, and whether any was presented twice (bench/chaos-run.ts).
        dy.core.calls.recordSingleUse({
          at: dy.now(),
          platform: 'douyin',
          endpoint: DOUYIN_PATHS.authToken,
          authorizerAppid: (code ?? refreshToken)?.authorizerAppid ?? null,
          kind: byCode ? 'authorization_code' : 'refresh_token',
          state,
          accepted: result.ok,
          valuePrefix: value.slice(0, 12),
        });
      }
      if (!result.ok) return envelopeFailure(result);
      ctx.setAppid(result.grant.authorizer_appid);
      return envelopeAnswer(dy.core.rng, dy.now(), result.grant);
    },
  });

  platformRoute(app, dy.core, {
    method: 'POST',
    path: DOUYIN_PATHS.retrieveAuthCode,
    dialect: dy.envelopeDialect,
    appidOf: (request) => str(jsonBody(request), 'authorization_appid') ?? componentAppidOf(request),
    handle: (request) => {
      const gate = componentGate(request, DOUYIN_PATHS.retrieveAuthCode);
      if ('answer' in gate) return gate.answer;
      const result = gate.app.retrieveCode(str(jsonBody(request), 'authorization_appid'), dy.now());
      if (!result.ok) return envelopeFailure(result);
      return envelopeAnswer(dy.core.rng, dy.now(), {
        authorization_code: result.code.value,
        expires_in: SandboxClock.expiresIn(result.code.expiresAt - dy.now()),
      });
    },
  });

  platformRoute(app, dy.core, {
    method: 'GET',
    path: DOUYIN_PATHS.basicInfo,
    dialect: dy.envelopeDialect,
    appidOf: (request) => {
      const token = header(request, 'access-token');
      return token ? dy.appByAuthorizerToken(token)?.authorizerTokens.get(token)?.authorizerAppid : undefined;
    },
    handle: (request) => {
      const token = header(request, 'access-token');
      const tpApp = dy.appByAuthorizerToken(token);
      const entry = token ? tpApp?.authorizerTokens.get(token) : undefined;
      const check = token && tpApp ? tpApp.checkAuthorizerToken(token, dy.now()) : undefined;
      if (!check?.ok) {
        const reason: InvalidTokenReason = !token
          ? 'missing'
          : !entry
            ? 'unknown'
            : entry.kind !== 'access'
              ? 'wrong_type'
              : (liveness(entry.record, dy.now()) as InvalidTokenReason);
        recordInvalid(DOUYIN_PATHS.basicInfo, entry?.authorizerAppid ?? null, reason, token);
        return envelopeError(dy.core.rng, dy.now(), DY.authorizerTokenExpired, 'access token is invalid or expired');
      }
      return envelopeAnswer(dy.core.rng, dy.now(), {
        app_id: check.authorizerAppid,
        app_name: `sandbox mini program ${check.authorizerAppid}`,
        app_intro: 'A Douyin mini program simulated by the token-central sandbox',
        app_state: 1,
      });
    },
  });
}
