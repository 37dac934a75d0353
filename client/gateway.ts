/**
 * The HTTP gateway: token reads and passive refresh for services in any language, and the admin
 * API. Built on TokenClient, so it shares its cache and compare-and-refresh semantics.
 * Every route declares a `scope` (read, invalidate, admin) for the authentication layer.
 */
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance, type FastifyBaseLogger } from 'fastify';
import { z, ZodError } from 'zod';
import { wechatAppSchema, type ComponentConfig } from '../worker/config';
import type { CredentialRef } from '../workflows/credential-ids';
import type { CredentialStatus } from '../workflows/messages';
import {
  TokenAppId,
  TokenComponentAppId,
  TokenExpiresAt,
  TokenKind,
  TokenPlatform,
  TokenStatus,
} from '../workflows/search-attributes';
import { authPlugin, type AuthOptions } from './auth';
import { frameworkErrors } from './http-hardening';
import { componentRoutesPlugin } from './component-routes';
import { registerApp } from './registration';
import { noQuery } from './request-schemas';
import { tpAuthorizationPlugin } from './tp-authorization';
import { tpPushPlugin } from './tp-push';
import { wechatAuthorizationPlugin, type WechatAuthorizationOptions } from './wechat-authorization';
import { wechatPushPlugin, type WechatPushOptions } from './wechat-push';
import { CredentialNotFoundError, TokenUnavailableError, type IssuedToken, type TokenClient } from './token-client';

export type Scope = 'read' | 'invalidate' | 'admin' | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: Scope;
  }
}

export interface GatewayOptions {
  client: Client;
  tokens: TokenClient;
  taskQueue: string;
  /** Request logging; off when omitted (tests). */
  logger?: FastifyBaseLogger;
  bodyLimit?: number;
  /** API keys and rate limit (client/auth.ts); open when no keys are given. */
  auth?: AuthOptions;
  /** Third-party platforms served (WeChat, Douyin, Baidu: pushes, authorization); read on every request. */
  components?: readonly ComponentConfig[];
  /** Environment the push receiver resolves component secrets from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** WeChat API base URL for pre-auth codes (default the real host). */
  wechatBaseUrl?: string;
  /** Douyin and Baidu API base URLs for pre-auth codes (default the real hosts). */
  douyinBaseUrl?: string;
  baiduBaseUrl?: string;
  push?: Pick<WechatPushOptions, 'maxBodyBytes' | 'maxSkewSeconds' | 'nowSeconds'>;
  authorization?: Pick<WechatAuthorizationOptions, 'pageBaseUrl' | 'publicUrl' | 'callbackWaitMs' | 'http'>;
}

const statuses = [
  'pending',
  'active',
  'refreshing',
  'degraded',
  'expired',
  'reauth_required',
  'credential_invalid',
  'revoked',
] as const satisfies readonly CredentialStatus[];

const appParams = z.object({
  platform: z.literal('wechat'),
  appid: z.string().regex(/^[A-Za-z0-9_-]{4,64}$/),
});
const invalidateBody = z.object({ access_token: z.string().min(1).max(2048) }).strict();
const listQuery = z
  .object({
    status: z.enum(statuses).optional(),
    platform: z.enum(['wechat', 'douyin', 'baidu']).optional(),
    /** Lists the authorizers of this component (revoked ones included) instead of own apps. */
    component: z
      .string()
      .regex(/^[A-Za-z0-9_-]{4,64}$/)
      .optional(),
    kind: z.enum(['app', 'component', 'authorizer']).optional(),
  })
  .strict();

/** The one error shape every route answers with. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function tokenBody(token: IssuedToken) {
  return {
    access_token: token.accessToken,
    expires_at: new Date(token.expiresAt).toISOString(),
    expires_in: Math.max(0, Math.floor((token.expiresAt - Date.now()) / 1000)),
    version: token.version,
  };
}

function appRef(params: unknown): CredentialRef {
  return { kind: 'app', ...appParams.parse(params) };
}

export function buildGateway(options: GatewayOptions): FastifyInstance {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    frameworkErrors,
  });
  const { tokens, client } = options;
  void app.register(authPlugin, options.auth ?? {});

  app.setErrorHandler((err, request, reply) => {
    if (err instanceof HttpError) {
      return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, ...err.extra } });
    }
    if (err instanceof ZodError) {
      const message = err.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
      return reply.status(400).send({ error: { code: 'bad_request', message } });
    }
    if (err instanceof CredentialNotFoundError) {
      return reply.status(404).send({ error: { code: 'not_found', message: err.message } });
    }
    if (err instanceof TokenUnavailableError) {
      return reply.status(503).send({ error: { code: 'token_unavailable', message: err.message, status: err.status } });
    }
    const statusCode = (err as { statusCode?: number }).statusCode;
    if (statusCode && statusCode >= 400 && statusCode < 500) {
      return reply.status(statusCode).send({ error: { code: 'bad_request', message: (err as Error).message } });
    }
    request.log.error({ err }, 'request failed');
    return reply.status(500).send({ error: { code: 'internal', message: 'internal error' } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply
      .status(404)
      .send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } }),
  );

  app.get('/healthz', { config: { scope: 'public' } }, async () => ({ ok: true }));

  app.get('/v1/tokens/app/:platform/:appid', { config: { scope: 'read', kind: 'app' } }, async (request) => {
    noQuery.parse(request.query ?? {});
    return tokenBody(await tokens.getToken(appRef(request.params)));
  });

  app.post(
    '/v1/tokens/app/:platform/:appid/invalidate',
    { config: { scope: 'invalidate', kind: 'app' } },
    async (request) => {
      const ref = appRef(request.params);
      noQuery.parse(request.query ?? {});
      const body = invalidateBody.parse(request.body ?? {});
      return tokenBody(await tokens.reportInvalid(ref, body.access_token));
    },
  );

  app.get('/v1/apps/:platform/:appid', { config: { scope: 'admin', kind: 'app' } }, async (request) => {
    noQuery.parse(request.query ?? {});
    return tokens.describe(appRef(request.params));
  });

  app.post('/v1/apps', { config: { scope: 'admin' } }, async (request, reply) => {
    noQuery.parse(request.query ?? {});
    const appConfig = wechatAppSchema.parse(request.body ?? {});
    const id = await registerApp(client, options.taskQueue, appConfig);
    return reply.status(201).send({ id });
  });

  app.get('/v1/apps', { config: { scope: 'admin' } }, async (request) => {
    const query = listQuery.parse(request.query ?? {});
    const kind = query.kind ?? (query.component ? 'authorizer' : 'app');
    // A revoked authorizer's workflow has completed: a component's listing includes closed ones.
    const clauses = query.component
      ? [`TokenKind = '${kind}'`, `TokenComponentAppId = '${query.component}'`]
      : ["ExecutionStatus = 'Running'", `TokenKind = '${kind}'`];
    const seen = new Set<string>();
    if (query.platform) clauses.push(`TokenPlatform = '${query.platform}'`);
    if (query.status) clauses.push(`TokenStatus = '${query.status}'`);
    const apps = [];
    for await (const wf of client.workflow.list({ query: clauses.join(' AND ') })) {
      if (seen.has(wf.workflowId)) continue;
      seen.add(wf.workflowId);
      const attrs = wf.typedSearchAttributes;
      apps.push({
        id: wf.workflowId,
        platform: attrs.get(TokenPlatform),
        kind: attrs.get(TokenKind),
        appid: attrs.get(TokenAppId),
        ...(kind !== 'app' ? { component_appid: attrs.get(TokenComponentAppId) } : {}),
        status: attrs.get(TokenStatus),
        expires_at: attrs.get(TokenExpiresAt)?.toISOString(),
      });
    }
    return { apps };
  });

  const components = () => options.components ?? [];
  void app.register(componentRoutesPlugin, { tokens });
  void app.register(wechatPushPlugin, {
    client,
    taskQueue: options.taskQueue,
    components,
    env: options.env,
    ...options.push,
  });
  void app.register(wechatAuthorizationPlugin, {
    client,
    tokens,
    taskQueue: options.taskQueue,
    components,
    apiBaseUrl: options.wechatBaseUrl ?? 'https://api.weixin.qq.com',
    ...options.authorization,
  });
  void app.register(tpPushPlugin, {
    client,
    taskQueue: options.taskQueue,
    components,
    env: options.env,
    ...options.push,
  });
  void app.register(tpAuthorizationPlugin, {
    client,
    tokens,
    taskQueue: options.taskQueue,
    components,
    apiBaseUrls: {
      douyin: options.douyinBaseUrl ?? 'https://open.douyin.com',
      baidu: options.baiduBaseUrl ?? 'https://openapi.baidu.com',
    },
    pageBaseUrls: {
      douyin: options.authorization?.pageBaseUrl,
      baidu: options.authorization?.pageBaseUrl,
    },
    publicUrl: options.authorization?.publicUrl,
    http: options.authorization?.http,
    callbackWaitMs: options.authorization?.callbackWaitMs,
  });

  return app;
}
