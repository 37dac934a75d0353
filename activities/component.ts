/**
 * Activities of the WeChat Open Platform workflows. The component secret is resolved here from its
 * reference; calls on behalf of authorizers fetch the component token from the component workflow
 * through a TokenClient (cached), so it never enters an authorizer's history.
 */
import type { Client } from '@temporalio/client';
import { deliverGrant } from '../client/component-registration';
import { TokenClient } from '../client/token-client';
import { PlatformError } from '../platforms/errors';
import type { HttpOptions } from '../platforms/http';
import {
  fetchComponentAccessToken,
  findAuthorizerRefreshToken,
  queryAuth,
  refreshAuthorizerToken,
  startPushTicket,
} from '../platforms/wechat/component';
import type { SecretRef } from '../worker/config';
import type { ObtainedToken } from '../workflows/credential-state';
import type { AuthorizerGrant } from '../workflows/messages';
import { resolveSecret } from './secret-store';

export interface ComponentActivityDeps {
  baseUrl: string;
  http: HttpOptions;
  env?: NodeJS.ProcessEnv;
  /** Temporal client for component-token reads and grant hand-over; required for authorizer activities. */
  client?: Client;
  taskQueue?: string;
}

export class ComponentTokenUnavailable extends Error {
  override name = 'ComponentTokenUnavailable';
}

export function createComponentActivities(
  deps: ComponentActivityDeps,
  classified: <T>(work: () => Promise<T>) => Promise<T>,
) {
  let tokens: TokenClient | undefined;
  const tokenClient = () => {
    if (!deps.client) throw new Error('component activities need a Temporal client');
    tokens ??= new TokenClient(deps.client);
    return tokens;
  };

  /**
   * Runs `call` with the component's token; a token the platform rejects is reported (one passive
   * refresh in the component workflow) and the call made once more with the fresh one.
   */
  async function withComponentToken<T>(componentAppid: string, call: (token: string) => Promise<T>): Promise<T> {
    const ref = { kind: 'component', platform: 'wechat', componentAppid } as const;
    let token: string;
    try {
      token = (await tokenClient().getToken(ref)).accessToken;
    } catch (err) {
      // Nothing sent yet: safe to retry (the workflow's retry policy does).
      throw new ComponentTokenUnavailable(`component token of ${componentAppid}: ${(err as Error).message}`);
    }
    try {
      return await call(token);
    } catch (err) {
      if (!(err instanceof PlatformError) || err.details.category !== 'token_invalid') throw err;
      const fresh = await tokenClient().reportInvalid(ref, token);
      return call(fresh.accessToken);
    }
  }

  const toObtained = (accessToken: string, expiresInSeconds: number, started: number): ObtainedToken => ({
    accessToken,
    expiresInMs: expiresInSeconds * 1000,
    latencyMs: Date.now() - started,
  });

  return {
    async fetchWechatComponentToken(request: {
      componentAppid: string;
      secretRef: SecretRef;
      ticket: string;
    }): Promise<ObtainedToken> {
      return classified(async () => {
        const secret = await resolveSecret(request.secretRef, deps.env);
        const started = Date.now();
        const token = await fetchComponentAccessToken(
          { baseUrl: deps.baseUrl, componentAppid: request.componentAppid, secret, ticket: request.ticket },
          deps.http,
        );
        return toObtained(token.accessToken, token.expiresInSeconds, started);
      });
    },

    async startWechatPushTicket(request: {
      componentAppid: string;
      secretRef: SecretRef;
    }): Promise<{ errmsg: string }> {
      return classified(async () => {
        const secret = await resolveSecret(request.secretRef, deps.env);
        return startPushTicket({ baseUrl: deps.baseUrl, componentAppid: request.componentAppid, secret }, deps.http);
      });
    },

    async exchangeWechatAuthCode(request: {
      componentAppid: string;
      code: string;
    }): Promise<{ authorizerAppid: string; grant: Omit<AuthorizerGrant, 'source'> }> {
      return classified(async () => {
        const endpoint = { baseUrl: deps.baseUrl, componentAppid: request.componentAppid };
        const started = Date.now();
        const grant = await withComponentToken(request.componentAppid, (token) =>
          queryAuth(endpoint, token, request.code, deps.http),
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
      });
    },

    async handOverWechatGrant(request: {
      componentAppid: string;
      authorizerAppid: string;
      grant: AuthorizerGrant;
    }): Promise<void> {
      if (!deps.client || !deps.taskQueue) throw new Error('grant hand-over needs a Temporal client and task queue');
      await deliverGrant(deps.client, deps.taskQueue, request.componentAppid, request.authorizerAppid, request.grant);
    },

    async refreshWechatAuthorizerToken(request: {
      componentAppid: string;
      authorizerAppid: string;
      refreshToken: string;
    }): Promise<{ token: ObtainedToken; refreshToken: string }> {
      return classified(async () => {
        const started = Date.now();
        const result = await withComponentToken(request.componentAppid, (token) =>
          refreshAuthorizerToken(
            {
              baseUrl: deps.baseUrl,
              componentAppid: request.componentAppid,
              authorizerAppid: request.authorizerAppid,
              refreshToken: request.refreshToken,
            },
            token,
            deps.http,
          ),
        );
        return {
          token: toObtained(result.accessToken, result.expiresInSeconds, started),
          refreshToken: result.refreshToken,
        };
      });
    },

    async recoverWechatRefreshToken(request: {
      componentAppid: string;
      authorizerAppid: string;
    }): Promise<{ refreshToken?: string }> {
      return classified(async () => {
        const refreshToken = await withComponentToken(request.componentAppid, (token) =>
          findAuthorizerRefreshToken(
            { baseUrl: deps.baseUrl, componentAppid: request.componentAppid, authorizerAppid: request.authorizerAppid },
            token,
            deps.http,
          ),
        );
        return { refreshToken };
      });
    },
  };
}
