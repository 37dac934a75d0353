/**
 * The HTTP gateway app: registers the plugins and routes, nothing else. Token reads and passive
 * refresh for services in any language, the admin API, and the public routes the platforms call
 * (pushes, authorization). Built on TokenClient, so it shares its cache and compare-and-refresh
 * semantics. Every route declares a `scope` (read, invalidate, admin, public) for the auth plugin.
 */
import type { Client } from '@temporalio/client';
import Fastify, { LogController, type FastifyInstance, type FastifyBaseLogger } from 'fastify';
import type { TokenClient } from '../client/token-client';
import type { ComponentConfig } from '../config/config';
import { errorHandler, frameworkErrors, notFoundHandler } from './errors';
import { registerOpenApi } from './openapi';
import { AuthorizationStateSigner } from './authorization-state';
import { authPlugin, type AuthOptions } from './plugins/auth';
import { loopbackHostPlugin } from './plugins/loopback-host';
import { publicErrorsPlugin } from './plugins/public-errors';
import { publicRateLimitPlugin, type PublicRateLimits } from './plugins/rate-limit';
import { requestLogPlugin } from './plugins/request-log';
import { gatewayMetricsPlugin, type GatewayMetricsOptions } from '../metrics/gateway-metrics';
import { adminRoutes } from './routes/admin';
import { tokenRoutes } from './routes/tokens';
import { authorizeRoutes, type AuthorizeOptions } from './routes/authorize';
import { pushRoutes, type PushOptions } from './routes/push';

export interface GatewayOptions {
  client: Client;
  tokens: TokenClient;
  taskQueue: string;
  /** Request logging; off when omitted (tests). */
  logger?: FastifyBaseLogger;
  bodyLimit?: number;
  /** API keys and rate limit (gateway/plugins/auth.ts); open when no keys are given. */
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
  push?: Pick<PushOptions, 'maxBodyBytes' | 'maxSkewSeconds' | 'nowSeconds'>;
  authorization?: Pick<
    AuthorizeOptions,
    'pageBaseUrl' | 'publicUrl' | 'callbackWaitMs' | 'http' | 'redirectOrigins'
  > & {
    /** HMAC keys of authorization states, the first signs (authorization-state.ts); default one random key. */
    stateKeys?: readonly Buffer[];
    stateTtlMs?: number;
  };
  /** Limits of the public routes per client address and per component (plugins/rate-limit.ts). */
  publicRateLimits?: Partial<PublicRateLimits>;
  /** Fastify's trustProxy: behind a reverse proxy, so that per-address limits see the client. */
  trustProxy?: boolean | string;
  /** Request metrics and `GET /metrics` are always on; this adds the fleet scan (metrics/gateway-metrics.ts). */
  metrics?: GatewayMetricsOptions;
}

export function buildGateway(options: GatewayOptions): FastifyInstance {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    frameworkErrors,
    // One line per request from the request-log plugin instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: options.trustProxy ?? false,
  });
  const { tokens, client } = options;
  void app.register(requestLogPlugin);
  void app.register(gatewayMetricsPlugin, options.metrics ?? {});
  // Open (no API keys) means loopback only: refuse other Host names (DNS rebinding).
  if (!options.auth?.apiKeys?.length) void app.register(loopbackHostPlugin, {});
  void app.register(authPlugin, options.auth ?? {});
  // Public routes: limited per client address and per component, refusals in generic words.
  void app.register(publicRateLimitPlugin, { limits: options.publicRateLimits });
  void app.register(publicErrorsPlugin);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // First: it collects every route registered after it for /openapi.json.
  registerOpenApi(app);

  app.get('/healthz', { config: { scope: 'public' } }, async () => ({ ok: true }));
  void app.register(tokenRoutes, { tokens });
  void app.register(adminRoutes, { client, taskQueue: options.taskQueue, tokens });

  const components = () => options.components ?? [];
  void app.register(pushRoutes, {
    client,
    taskQueue: options.taskQueue,
    components,
    env: options.env,
    ...options.push,
  });
  void app.register(authorizeRoutes, {
    client,
    tokens,
    taskQueue: options.taskQueue,
    components,
    apiBaseUrls: {
      wechat: options.wechatBaseUrl ?? 'https://api.weixin.qq.com',
      douyin: options.douyinBaseUrl ?? 'https://open.douyin.com',
      baidu: options.baiduBaseUrl ?? 'https://openapi.baidu.com',
    },
    ...options.authorization,
    stateSigner: new AuthorizationStateSigner(
      options.authorization?.stateKeys ?? [],
      options.authorization?.stateTtlMs ?? 3_600_000,
    ),
  });

  return app;
}
