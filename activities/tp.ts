/**
 * Third-party platform activities for every platform, dispatched by `platform` (plus two WeChat-only
 * ones: api_start_push_ticket and refresh-token recovery from the authorizer list): the workflows are
 * one per credential kind, the adapters (platforms/wechat, douyin, baidu) are the only difference.
 * Secrets are resolved here by reference; calls on behalf of authorizers read the component token
 * from its workflow through a TokenClient, so it never enters an authorizer's history.
 */
import type { Client } from '@temporalio/client';
import { deliverGrant } from '../client/credentials';
import { TokenClient } from '../client/token-client';
import * as baidu from '../platforms/baidu/api';
import * as douyin from '../platforms/douyin/api';
import { PlatformError } from '../platforms/errors';
import type { HttpOptions } from '../platforms/http';
import * as wechat from '../platforms/wechat/component';
import type { SecretRef } from '../config/config';
import type { ObtainedToken } from '../workflows/credential-state';
import type { ComponentRef } from '../workflows/credential-ids';
import type { AuthorizerGrant } from '../workflows/messages';
import { SINGLE_USE_ACTIVITY_TIMEOUT_MS, SINGLE_USE_HTTP_TIMEOUT_MS, type TpPlatform } from '../workflows/tp-platforms';
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

/** A component-token rejection: the platform did not act on the request, so one retry with a fresh token is safe. */
function rejectsComponentToken(platform: TpPlatform, err: unknown): boolean {
  if (!(err instanceof PlatformError)) return false;
  if (err.details.category === 'token_invalid') return true;
  // Baidu's OAuth endpoint answers a dead TP token with invalid_client.
  return platform === 'baidu' && err.details.code === 'invalid_client';
}

export function createTpActivities(deps: TpActivityDeps, classified: <T>(work: () => Promise<T>) => Promise<T>) {
  const tokens = new TokenClient(deps.client);

  async function withComponentToken<T>(
    platform: TpPlatform,
    componentAppid: string,
    call: (token: string) => Promise<T>,
  ): Promise<T> {
    const ref: ComponentRef = { kind: 'component', platform, componentAppid };
    let token: string;
    try {
      token = (await tokens.getToken(ref)).accessToken;
    } catch (err) {
      // Nothing sent yet: safe to retry.
      throw new ComponentTokenUnavailable(`component token of ${componentAppid}: ${(err as Error).message}`);
    }
    try {
      return await call(token);
    } catch (err) {
      if (!rejectsComponentToken(platform, err)) throw err;
      const fresh = await tokens.reportInvalid(ref, token);
      return call(fresh.accessToken);
    }
  }

  const toObtained = (accessToken: string, expiresInSeconds: number, started: number): ObtainedToken => ({
    accessToken,
    expiresInMs: expiresInSeconds * 1000,
    latencyMs: Date.now() - started,
  });

  type Exchanged = { authorizerAppid?: string; grant: Omit<AuthorizerGrant, 'source'> };

  async function exchange(
    platform: TpPlatform,
    componentAppid: string,
    code: string,
    http: () => HttpOptions,
  ): Promise<Exchanged> {
    const started = Date.now();
    const baseUrl = deps.baseUrls[platform];
    if (platform === 'wechat') {
      const grant = await withComponentToken(platform, componentAppid, (token) =>
        wechat.queryAuth({ baseUrl, componentAppid }, token, code, http()),
      );
      return {
        authorizerAppid: grant.authorizerAppid,
        grant: {
          accessToken: grant.accessToken,
          expiresInMs: grant.expiresInSeconds === undefined ? undefined : grant.expiresInSeconds * 1000,
          latencyMs: Date.now() - started,
          refreshToken: grant.refreshToken,
          funcInfo: grant.funcInfo,
        },
      };
    }
    if (platform === 'douyin') {
      const grant = await withComponentToken(platform, componentAppid, (token) =>
        douyin.exchangeAuthorizationCode({ baseUrl, componentAppid }, token, code, http()),
      );
      return {
        authorizerAppid: grant.authorizerAppid,
        grant: {
          accessToken: grant.accessToken,
          expiresInMs: grant.expiresInSeconds * 1000,
          latencyMs: Date.now() - started,
          refreshToken: grant.refreshToken,
          funcInfo: grant.permissions.map((p) => p.id),
        },
      };
    }
    const grant = await withComponentToken(platform, componentAppid, (token) =>
      baidu.exchangeAuthorizationCode({ baseUrl }, token, code, http()),
    );
    return {
      grant: {
        accessToken: grant.accessToken,
        expiresInMs: grant.expiresInSeconds * 1000,
        latencyMs: Date.now() - started,
        refreshToken: grant.refreshToken,
        funcInfo: [],
      },
    };
  }

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
        const baseUrl = deps.baseUrls[platform];
        const secret = request.secretRef ? await resolveSecret(request.secretRef, deps.env) : undefined;
        const needSecret = () => {
          if (secret === undefined) throw new Error(`${platform} component ${componentAppid} has no secret configured`);
          return secret;
        };
        const started = Date.now();
        const token =
          platform === 'wechat'
            ? await wechat.fetchComponentAccessToken(
                { baseUrl, componentAppid, secret: needSecret(), ticket },
                deps.http,
              )
            : platform === 'douyin'
              ? await douyin.fetchComponentAccessToken(
                  { baseUrl, componentAppid, secret: needSecret(), ticket },
                  deps.http,
                )
              : await baidu.fetchTpAccessToken({ baseUrl, clientId: componentAppid, ticket }, deps.http);
        return toObtained(token.accessToken, token.expiresInSeconds, started);
      });
    },

    /**
     * Exchanges an authorization code (single use). `singleUse` bounds the HTTP call below the
     * activity's start-to-close timeout (recovery exchanges); the authorizer app id is in the
     * answer except on Baidu.
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
        return exchange(request.platform, request.componentAppid, request.code, http);
      });
    },

    /** Baidu: the app id of a freshly exchanged authorization, from the app-info API. */
    async resolveAuthorizerAppid(request: { platform: TpPlatform; accessToken: string }): Promise<string> {
      return classified(async () => {
        if (request.platform !== 'baidu') throw new Error(`${request.platform} exchanges name the authorizer`);
        const info = await baidu.fetchAppInfo({ baseUrl: deps.baseUrls.baidu }, request.accessToken, deps.http);
        return info.appId;
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
        const baseUrl = deps.baseUrls[platform];
        const result =
          platform === 'wechat'
            ? await withComponentToken(platform, componentAppid, (token) =>
                wechat.refreshAuthorizerToken(
                  { baseUrl, componentAppid, authorizerAppid, refreshToken },
                  token,
                  deps.http,
                ),
              )
            : platform === 'douyin'
              ? await withComponentToken(platform, componentAppid, (token) =>
                  douyin.refreshAuthorizerToken(
                    { baseUrl, componentAppid },
                    token,
                    refreshToken,
                    singleUseHttp(deps.http, started),
                  ),
                )
              : await withComponentToken(platform, componentAppid, (token) =>
                  baidu.refreshAuthorizerToken({ baseUrl }, token, refreshToken, singleUseHttp(deps.http, started)),
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
        return wechat.startPushTicket(
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
        const refreshToken = await withComponentToken('wechat', componentAppid, (token) =>
          wechat.findAuthorizerRefreshToken(
            { baseUrl: deps.baseUrls.wechat, componentAppid, authorizerAppid },
            token,
            deps.http,
          ),
        );
        return { refreshToken };
      });
    },

    /** 找回授权码 (Douyin retrieve_auth_code, Baidu retrieve/authorizationcode): the way back after a lost refresh token. */
    async retrieveAuthorizationCode(request: {
      platform: TpPlatform;
      componentAppid: string;
      authorizerAppid: string;
    }): Promise<{ code: string; expiresInSeconds: number }> {
      return classified(async () => {
        const { platform, componentAppid, authorizerAppid } = request;
        const baseUrl = deps.baseUrls[platform];
        const started = Date.now();
        const http = () => singleUseHttp(deps.http, started);
        const result =
          platform === 'douyin'
            ? await withComponentToken(platform, componentAppid, (token) =>
                douyin.retrieveAuthorizationCode({ baseUrl, componentAppid }, token, authorizerAppid, http()),
              )
            : platform === 'baidu'
              ? await withComponentToken(platform, componentAppid, (token) =>
                  baidu.retrieveAuthorizationCode({ baseUrl }, token, authorizerAppid, http()),
                )
              : undefined;
        if (!result) throw new Error('WeChat recovers refresh tokens from the authorizer list');
        return { code: result.authorizationCode, expiresInSeconds: result.expiresInSeconds };
      });
    },
  };
}
