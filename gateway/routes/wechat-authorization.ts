/**
 * Merchant authorization of a WeChat third-party platform (platforms.md §2.5-2.6):
 * `GET /v1/authorize/wechat/{componentAppid}` creates a pre_auth_code with the component token and
 * redirects to the PC (QR) or H5 authorization page; the page sends the merchant back to
 * `GET /v1/authorize/wechat/{componentAppid}/callback?auth_code=…`, whose code joins the same
 * once-per-code exchange as the `authorized` event.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { PlatformError } from '../../platforms/errors';
import type { HttpOptions } from '../../platforms/http';
import { authorizationPageUrl, createPreAuthCode } from '../../platforms/wechat/component';
import type { ComponentConfig } from '../../config/config';
import type { AuthCodeResult } from '../../workflows/auth-code';
import type { ComponentRef } from '../../workflows/credential-ids';
import { submitAuthCode } from '../../client/credentials';
import { HttpError } from '../errors';
import type { TokenClient } from '../../client/token-client';

export interface WechatAuthorizationOptions {
  client: Client;
  tokens: TokenClient;
  taskQueue: string;
  components: () => readonly ComponentConfig[];
  /** WeChat API base URL (the sandbox in tests and the demo). */
  apiBaseUrl: string;
  /** Where the authorization pages live. Default https://mp.weixin.qq.com. */
  pageBaseUrl?: string;
  /** The gateway's public URL for the default redirect_uri; default: taken from the request. */
  publicUrl?: string;
  http?: HttpOptions;
  /** How long the callback waits for the exchange before answering 202. */
  callbackWaitMs?: number;
}

const startQuery = z
  .object({
    variant: z.enum(['pc', 'h5']).default('pc'),
    auth_type: z.coerce.number().int().min(1).max(6).optional(),
    biz_appid: z
      .string()
      .regex(/^[A-Za-z0-9_-]{4,64}$/)
      .optional(),
    redirect_uri: z.string().url().optional(),
    format: z.enum(['redirect', 'json']).default('redirect'),
  })
  .strict()
  .refine((q) => q.auth_type === undefined || q.biz_appid === undefined, 'auth_type and biz_appid are exclusive');

const callbackQuery = z.object({ auth_code: z.string().min(1).max(512), expires_in: z.string().optional() }).loose();

export async function wechatAuthorizationPlugin(app: FastifyInstance, options: WechatAuthorizationOptions) {
  const http = options.http ?? { timeoutMs: 10_000 };
  const find = (componentAppid: string) => {
    const component = options.components().find((c) => c.platform === 'wechat' && c.componentAppid === componentAppid);
    if (!component) throw new HttpError(404, 'not_found', `no component ${componentAppid}`);
    return component;
  };

  /** pre_auth_code with the component token; a token the platform rejects is reported and replaced once. */
  const preAuthCode = async (componentAppid: string) => {
    const ref: ComponentRef = { kind: 'component', platform: 'wechat', componentAppid };
    const endpoint = { baseUrl: options.apiBaseUrl, componentAppid };
    const token = await options.tokens.getToken(ref);
    try {
      return await createPreAuthCode(endpoint, token.accessToken, http);
    } catch (err) {
      if (!(err instanceof PlatformError) || err.details.category !== 'token_invalid') throw err;
      const fresh = await options.tokens.reportInvalid(ref, token.accessToken);
      return createPreAuthCode(endpoint, fresh.accessToken, http);
    }
  };

  app.get<{ Params: { componentAppid: string } }>(
    '/v1/authorize/wechat/:componentAppid',
    { config: { scope: 'public' } },
    async (request, reply) => {
      const { componentAppid } = find(request.params.componentAppid);
      const query = startQuery.parse(request.query ?? {});
      const base = options.publicUrl ?? `${request.protocol}://${request.host}`;
      const redirectUri =
        query.redirect_uri ?? new URL(`/v1/authorize/wechat/${componentAppid}/callback`, base).toString();
      let code: { preAuthCode: string; expiresInSeconds: number };
      try {
        code = await preAuthCode(componentAppid);
      } catch (err) {
        if (err instanceof PlatformError) throw new HttpError(502, 'platform_error', err.message);
        throw err;
      }
      const url = authorizationPageUrl({
        pageBaseUrl: options.pageBaseUrl ?? 'https://mp.weixin.qq.com',
        variant: query.variant,
        componentAppid,
        preAuthCode: code.preAuthCode,
        redirectUri,
        authType: query.auth_type,
        bizAppid: query.biz_appid,
      });
      if (query.format === 'json') return { url, expires_in: code.expiresInSeconds };
      return reply.redirect(url, 302);
    },
  );

  app.get<{ Params: { componentAppid: string } }>(
    '/v1/authorize/wechat/:componentAppid/callback',
    { config: { scope: 'public' } },
    async (request, reply) => {
      const { componentAppid } = find(request.params.componentAppid);
      const { auth_code: code } = callbackQuery.parse(request.query ?? {});
      const { workflowId } = await submitAuthCode(options, {
        platform: 'wechat',
        componentAppid,
        code,
        source: 'redirect',
      });
      return answerCallback(options.client, workflowId, options.callbackWaitMs ?? 10_000, reply);
    },
  );
}

/**
 * The callback's answer, shared by every platform: the exchange's outcome if it ends within
 * `waitMs` (authorized, or 502 with the platform's code), else 202 `processing`.
 */
export async function answerCallback(client: Client, workflowId: string, waitMs: number, reply: FastifyReply) {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    client.workflow
      .getHandle(workflowId)
      .result()
      .then((result: AuthCodeResult) => ({ result }))
      .catch((err: unknown) => ({ failed: describeFailure(err) })),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    }),
  ]).finally(() => clearTimeout(timer));
  if (outcome && 'result' in outcome) {
    return reply.send({
      status: 'authorized',
      authorizer_appid: outcome.result.authorizerAppid,
      permissions: outcome.result.funcInfo,
    });
  }
  if (outcome && 'failed' in outcome) {
    throw new HttpError(502, 'exchange_failed', `the authorization code could not be exchanged: ${outcome.failed}`);
  }
  return reply.status(202).send({ status: 'processing' });
}

/** The innermost failure message (platform code and text; never a code or token). */
function describeFailure(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : 'unknown failure';
}
