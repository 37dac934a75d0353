/**
 * Third-party platform activities for every platform, dispatched through the platform's adapter
 * (platforms/tp-adapters.ts), plus two WeChat-only ones: api_start_push_ticket and refresh-token
 * recovery from the authorizer list. The workflows are one per credential kind; the adapters are the
 * only difference. Secrets are resolved here by reference; calls on behalf of authorizers read the
 * component token from its workflow through a TokenClient, so it never enters an authorizer's history.
 */
import type { Client } from '@temporalio/client';
import { authCodeWorkflowId, deliverGrant } from '../client/credentials';
import { TokenClient } from '../client/token-client';
import { PlatformError } from '../platforms/errors';
import type { HttpOptions } from '../platforms/http';
import { withComponentToken, type ComponentTokenSource, type ThirdPartyAdapter } from '../platforms/tp-adapter';
import { tpAdapter } from '../platforms/tp-adapters';
import { wechatTpAdapter } from '../platforms/wechat/tp-adapter';
import type { SecretRef } from '../config/config';
import type { ObtainedToken } from '../workflows/credential-state';
import type { ComponentRef } from '../workflows/credential-ids';
import type { AuthorizerGrant } from '../workflows/messages';
import {
  SINGLE_USE_ACTIVITY_TIMEOUT_MS,
  SINGLE_USE_HTTP_TIMEOUT_MS,
  tpDescriptor,
  type TpPlatform,
} from '../workflows/tp-platforms';
import { resolveSecret } from '../config/secrets';

export interface TpActivityDeps {
  baseUrls: Record<TpPlatform, string>;
  http: HttpOptions;
  env?: NodeJS.ProcessEnv;
  client: Client;
  taskQueue: string;
}

export class ComponentTokenUnavailable extends Error {
  override name = 'ComponentTokenUnavailable';
}

/** Refresh tokens / codes that work once: every HTTP call ends before the activity attempt could time out. */
export function singleUseHttp(http: HttpOptions, startedAt: number, now = Date.now()): HttpOptions {
  const remaining = SINGLE_USE_ACTIVITY_TIMEOUT_MS - (now - startedAt) - 2_000;
  if (remaining < 500) {
    // Nothing sent: the workflow may retry with the same token.
    throw new PlatformError({
      platform: 'token-central',
      category: 'retry_later',
      code: 'no_time_left',
      message: 'activity budget spent before the request',
    });
  }
  return { timeoutMs: Math.min(http.timeoutMs, SINGLE_USE_HTTP_TIMEOUT_MS, remaining) };
}

type Exchanged = { authorizerAppid?: string; grant: Omit<AuthorizerGrant, 'source'> };

export function createTpActivities(deps: TpActivityDeps, classified: <T>(work: () => Promise<T>) => Promise<T>) {
  const tokens = new TokenClient(deps.client);

  function componentTokens(ref: ComponentRef): ComponentTokenSource {
    return {
      async current() {
        try {
          return (await tokens.getToken(ref)).accessToken;
        } catch (err) {
          // Nothing sent yet: safe to retry.
          throw new ComponentTokenUnavailable(`component token of ${ref.componentAppid}: ${(err as Error).message}`);
        }
      },
      replace: async (rejected) => (await tokens.reportInvalid(ref, rejected)).accessToken,
    };
  }

  /** The component's adapter and endpoint, and `call` run with its component token (replaced once if rejected). */
  function onBehalfOf<T>(
    platform: TpPlatform,
    componentAppid: string,
    call: (
      adapter: ThirdPartyAdapter,
      endpoint: { baseUrl: string; componentAppid: string },
      token: string,
    ) => Promise<T>,
  ): Promise<T> {
    const adapter = tpAdapter(platform);
    const endpoint = { baseUrl: deps.baseUrls[platform], componentAppid };
    return withComponentToken(adapter, componentTokens({ kind: 'component', platform, componentAppid }), (token) =>
      call(adapter, endpoint, token),
    );
  }

  const toObtained = (accessToken: string, expiresInSeconds: number, started: number): ObtainedToken => ({
    accessToken,
    expiresInMs: expiresInSeconds * 1000,
    latencyMs: Date.now() - started,
  });

  return {
    /** The component (TP) token with the last pushed ticket; Baidu needs no secret, only client_id + ticket. */
    async fetchComponentToken(request: {
      platform: TpPlatform;
      componentAppid: string;
      secretRef?: SecretRef;
      ticket: string;
    }): Promise<ObtainedToken> {
      return classified(async () => {
        const { platform, componentAppid, ticket } = request;
        const secret = request.secretRef ? await resolveSecret(request.secretRef, deps.env) : undefined;
        const started = Date.now();
        const token = await tpAdapter(platform).fetchComponentToken(
          { baseUrl: deps.baseUrls[platform], componentAppid, secret, ticket },
          deps.http,
        );
        return toObtained(token.accessToken, token.expiresInSeconds, started);
      });
    },

    /**
     * Exchanges an authorization code (single use, one attempt: `SINGLE_USE_CALL`). `singleUse`
     * bounds the HTTP call below the activity's start-to-close timeout; the authorizer app id is in
     * the answer except on Baidu.
     */
    async exchangeAuthCode(request: {
      platform: TpPlatform;
      componentAppid: string;
      code: string;
      singleUse?: boolean;
    }): Promise<Exchanged> {
      return classified(async () => {
        const started = Date.now();
        const http = () => (request.singleUse ? singleUseHttp(deps.http, started) : deps.http);
        const exchanged = await onBehalfOf(request.platform, request.componentAppid, (adapter, endpoint, token) =>
          adapter.exchangeCode(endpoint, token, request.code, http()),
        );
        return {
          authorizerAppid: exchanged.authorizerAppid,
          grant: {
            accessToken: exchanged.accessToken,
            expiresInMs: exchanged.expiresInSeconds === undefined ? undefined : exchanged.expiresInSeconds * 1000,
            latencyMs: Date.now() - started,
            refreshToken: exchanged.refreshToken,
            funcInfo: exchanged.permissions,
          },
        };
      });
    },

    /** Baidu: the app id of a freshly exchanged authorization, from the app-info API. */
    async resolveAuthorizerAppid(request: { platform: TpPlatform; accessToken: string }): Promise<string> {
      return classified(async () => {
        const { fetchAuthorizerAppid } = tpAdapter(request.platform);
        if (!fetchAuthorizerAppid) throw new Error(`${request.platform} exchanges name the authorizer`);
        return fetchAuthorizerAppid({ baseUrl: deps.baseUrls[request.platform] }, request.accessToken, deps.http);
      });
    },

    async handOverGrant(request: {
      platform: TpPlatform;
      componentAppid: string;
      authorizerAppid: string;
      grant: AuthorizerGrant;
    }): Promise<void> {
      await deliverGrant(deps, request);
    },

    /**
     * One refresh. On single-use platforms the HTTP timeout stays below the activity's (see
     * tp-platforms.ts) and a failure carries `ambiguous` when the token may have been consumed.
     */
    async refreshAuthorizerToken(request: {
      platform: TpPlatform;
      componentAppid: string;
      authorizerAppid: string;
      refreshToken: string;
    }): Promise<{ token: ObtainedToken; refreshToken: string }> {
      return classified(async () => {
        const { platform, componentAppid, authorizerAppid, refreshToken } = request;
        const started = Date.now();
        const http = () =>
          tpDescriptor(platform).singleUseRefreshToken ? singleUseHttp(deps.http, started) : deps.http;
        const result = await onBehalfOf(platform, componentAppid, (adapter, endpoint, token) =>
          adapter.refreshAuthorizerToken({ ...endpoint, authorizerAppid, refreshToken }, token, http()),
        );
        return {
          token: toObtained(result.accessToken, result.expiresInSeconds, started),
          refreshToken: result.refreshToken,
        };
      });
    },

    /** WeChat only: asks the platform to restart a silent ticket push channel. */
    async startWechatPushTicket(request: {
      componentAppid: string;
      secretRef: SecretRef;
    }): Promise<{ errmsg: string }> {
      return classified(async () => {
        const secret = await resolveSecret(request.secretRef, deps.env);
        return wechatTpAdapter.restartTicketPushes(
          { baseUrl: deps.baseUrls.wechat, componentAppid: request.componentAppid, secret },
          deps.http,
        );
      });
    },

    /** WeChat only: the refresh token the platform currently holds for an authorizer (api_get_authorizer_list). */
    async recoverWechatRefreshToken(request: {
      componentAppid: string;
      authorizerAppid: string;
    }): Promise<{ refreshToken?: string }> {
      return classified(async () => {
        const { componentAppid, authorizerAppid } = request;
        const refreshToken = await onBehalfOf('wechat', componentAppid, (_adapter, endpoint, token) =>
          wechatTpAdapter.findAuthorizerRefreshToken({ ...endpoint, authorizerAppid }, token, deps.http),
        );
        return { refreshToken };
      });
    },

    /** 找回授权码 (Douyin retrieve_auth_code, Baidu retrieve/authorizationcode): the way back after a lost refresh token. */
    async retrieveAuthorizationCode(request: {
      platform: TpPlatform;
      componentAppid: string;
      authorizerAppid: string;
    }): Promise<{ code: string; expiresInSeconds: number; codeWorkflowId?: string }> {
      return classified(async () => {
        const { platform, componentAppid, authorizerAppid } = request;
        const retrieve = tpAdapter(platform).retrieveAuthorizationCode;
        if (!retrieve) throw new Error('WeChat recovers refresh tokens from the authorizer list');
        const started = Date.now();
        const result = await onBehalfOf(platform, componentAppid, (_adapter, endpoint, token) =>
          retrieve({ ...endpoint, authorizerAppid }, token, singleUseHttp(deps.http, started)),
        );
        return {
          code: result.authorizationCode,
          expiresInSeconds: result.expiresInSeconds,
          // The code's exchange runs under this ID, shared with a push of the same code (exactly once).
          codeWorkflowId: authCodeWorkflowId({ platform, componentAppid, code: result.authorizationCode }),
        };
      });
    },
  };
}
