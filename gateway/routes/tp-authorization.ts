/**
 * Merchant authorization of Douyin and Baidu third-party platforms (platforms.md §3.3, §4.4):
 * `GET /v1/authorize/{douyin|baidu}/{componentAppid}` creates a pre-auth code with the component
 * (TP) token and redirects to the platform's authorization page; the page sends the merchant back
 * to `…/callback?authorization_code=…`, whose code joins the same once-per-code exchange as the
 * AUTHORIZED event. On Baidu the redirect carries no app id: the exchange resolves it via app info.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as baidu from '../../platforms/baidu/api';
import * as douyin from '../../platforms/douyin/api';
import { PlatformError } from '../../platforms/errors';
import type { HttpOptions } from '../../platforms/http';
import type { ComponentConfig } from '../../config/config';
import type { ComponentRef } from '../../workflows/credential-ids';
import { tpDescriptor } from '../../workflows/tp-platforms';
import { submitAuthCode } from '../../client/credentials';
import { HttpError } from '../errors';
import type { TokenClient } from '../../client/token-client';
import { answerCallback } from './wechat-authorization';

export interface TpAuthorizationOptions {
  client: Client;
  tokens: TokenClient;
  taskQueue: string;
  components: () => readonly ComponentConfig[];
  /** API base URLs (the sandbox in tests and the demo). */
  apiBaseUrls: { douyin: string; baidu: string };
  /** Where the authorization pages live (defaults: the real consoles). */
  pageBaseUrls?: { douyin?: string; baidu?: string };
  publicUrl?: string;
  http?: HttpOptions;
  callbackWaitMs?: number;
}

const startQuery = z
  .object({ redirect_uri: z.string().url().optional(), format: z.enum(['redirect', 'json']).default('redirect') })
  .strict();
const callbackQuery = z
  .object({ authorization_code: z.string().min(1).max(512), expires_in: z.string().optional() })
  .loose();

export async function tpAuthorizationPlugin(app: FastifyInstance, options: TpAuthorizationOptions) {
  const http = options.http ?? { timeoutMs: 10_000 };

  for (const platform of ['douyin', 'baidu'] as const) {
    const find = (componentAppid: string) => {
      const component = options
        .components()
        .find((c) => c.platform === platform && c.componentAppid === componentAppid);
      if (!component) throw new HttpError(404, 'not_found', `no ${platform} component ${componentAppid}`);
      return component;
    };
    const create = (componentAppid: string, token: string) =>
      platform === 'douyin'
        ? douyin.createPreAuthCode({ baseUrl: options.apiBaseUrls.douyin, componentAppid }, token, http)
        : baidu.createPreAuthCode({ baseUrl: options.apiBaseUrls.baidu }, token, http);

    /** A pre-auth code with the component token; a token the platform rejects is reported and replaced once. */
    const preAuthCode = async (componentAppid: string) => {
      const ref: ComponentRef = { kind: 'component', platform, componentAppid };
      const token = await options.tokens.getToken(ref);
      try {
        return await create(componentAppid, token.accessToken);
      } catch (err) {
        if (!(err instanceof PlatformError) || err.details.category !== 'token_invalid') throw err;
        const fresh = await options.tokens.reportInvalid(ref, token.accessToken);
        return create(componentAppid, fresh.accessToken);
      }
    };

    app.get<{ Params: { componentAppid: string } }>(
      `/v1/authorize/${platform}/:componentAppid`,
      { config: { scope: 'public' } },
      async (request, reply) => {
        const { componentAppid } = find(request.params.componentAppid);
        const query = startQuery.parse(request.query ?? {});
        const base = options.publicUrl ?? `${request.protocol}://${request.host}`;
        const redirectUri =
          query.redirect_uri ?? new URL(`/v1/authorize/${platform}/${componentAppid}/callback`, base).toString();
        let code: { preAuthCode: string; expiresInSeconds: number };
        try {
          code = await preAuthCode(componentAppid);
        } catch (err) {
          if (err instanceof PlatformError) throw new HttpError(502, 'platform_error', err.message);
          throw err;
        }
        const url =
          platform === 'douyin'
            ? douyin.authorizationPageUrl({
                pageBaseUrl: options.pageBaseUrls?.douyin ?? 'https://open.microapp.bytedance.com',
                componentAppid,
                preAuthCode: code.preAuthCode,
                redirectUri,
              })
            : baidu.authorizationPageUrl({
                pageBaseUrl: options.pageBaseUrls?.baidu ?? 'https://smartprogram.baidu.com',
                clientId: componentAppid,
                preAuthCode: code.preAuthCode,
                redirectUri,
              });
        if (query.format === 'json') return { url, expires_in: code.expiresInSeconds };
        return reply.redirect(url, 302);
      },
    );

    app.get<{ Params: { componentAppid: string } }>(
      `/v1/authorize/${platform}/:componentAppid/callback`,
      { config: { scope: 'public' } },
      async (request, reply) => {
        const { componentAppid } = find(request.params.componentAppid);
        const parsed = callbackQuery.parse(request.query ?? {});
        const code = parsed[tpDescriptor(platform).redirectCodeParam as 'authorization_code'];
        const { workflowId } = await submitAuthCode(options, {
          platform,
          componentAppid,
          code,
          source: 'redirect',
        });
        return answerCallback(options.client, workflowId, options.callbackWaitMs ?? 10_000, reply);
      },
    );
  }
}
