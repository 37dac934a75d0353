/**
 * Gateway authentication: an API key per consuming service, scoped to read / invalidate / admin and
 * optionally to platforms, credential kinds and apps, with a token-bucket rate limit per key.
 *
 * Keys are configured as `sha256:<hex>` of the key, never the key itself. A presented key
 * (`Authorization: Bearer <key>` or `X-Api-Key: <key>`) is hashed and compared in constant time
 * with every configured hash. Each route declares `config: { scope }`; a route that declares none
 * needs `admin`. A key limited to apps names each credential with its platform (and an authorizer
 * with its component, see credentialScopes); a route's credential comes from its :platform, :appid,
 * :componentAppid and :authorizerAppid. `public` routes (health, platform pushes and authorization callbacks, which the
 * platform's signature authenticates) need no key. With no keys configured every route is open:
 * only acceptable on loopback, which `assertGatewayExposure` enforces at start.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ConfigError, type ApiKeyConfig, type ApiKeyScope, type RateLimitConfig } from '../../config/config';
import { TokenBuckets } from './rate-limit';

/** What a route needs of the caller's key; `public` routes need none. */
export type Scope = ApiKeyScope | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: Scope;
    /** The credential kind a route serves when its path has no :kind (e.g. 'app'). */
    kind?: string;
  }
  interface FastifyRequest {
    /** The name of the API key that authenticated the request, if any. */
    apiKeyName?: string;
  }
}

export interface AuthOptions {
  apiKeys?: ApiKeyConfig[];
  /** Default bucket for keys without their own. */
  rateLimit?: RateLimitConfig;
  /** Clock for the rate limiter (tests). */
  now?: () => number;
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { burst: 100, perSecond: 50 };
const API_KEY_PREFIX = 'tc_';

/** A new random API key and the hash to configure for it. */
export function generateApiKey(): { key: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/**
 * Call before listening: a gateway reachable from other hosts must have API keys. Returns a warning
 * to log when the gateway runs open on loopback.
 */
export function assertGatewayExposure(host: string, apiKeys: readonly ApiKeyConfig[]): string | undefined {
  if (apiKeys.length > 0) return undefined;
  if (!isLoopback(host)) {
    throw new ConfigError(
      `Refusing to start the gateway on ${host} without API keys: anyone reaching it could read tokens. ` +
        'Add gateway.apiKeys (make one with `npm run apikey -- --name <service> --scopes read`) or bind ' +
        'GATEWAY_HOST to 127.0.0.1.',
    );
  }
  return `Gateway has no API keys configured: every route is open to local callers on ${host}. Configure gateway.apiKeys before exposing it.`;
}

interface CompiledKey {
  config: ApiKeyConfig;
  digest: Buffer;
  /** Limited to some platforms, kinds or apps. */
  restricted: boolean;
  platforms?: Set<string>;
  kinds?: Set<string>;
  apps?: Set<string>;
}

class AuthError extends Error {
  constructor(
    readonly statusCode: 401 | 403 | 429,
    readonly code: 'unauthorized' | 'forbidden' | 'rate_limited',
    message: string,
  ) {
    super(message);
  }
}

function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization !== '') {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    return match ? match[1] : '';
  }
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return header.trim();
  if (Array.isArray(header)) return ''; // Given twice: ambiguous, refused.
  return undefined;
}

function stringParam(params: unknown, name: string): string | undefined {
  const value = (params as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The `apps` entries (config/config.ts apiKeyAppSchema) that reach the credential a route names:
 * `wechat:wxapp` for an own app or component, `wechat:wxcomp/wxA` or `wechat:wxcomp/*` for an
 * authorizer. Undefined when the route names no single credential (lists, registration).
 */
export function credentialScopes(params: unknown): string[] | undefined {
  const platform = stringParam(params, 'platform');
  const appid = stringParam(params, 'appid');
  const componentAppid = stringParam(params, 'componentAppid');
  const authorizerAppid = stringParam(params, 'authorizerAppid');
  if (platform === undefined) return undefined;
  if (authorizerAppid !== undefined) {
    if (componentAppid === undefined) return undefined;
    return [`${platform}:${componentAppid}/${authorizerAppid}`, `${platform}:${componentAppid}/*`];
  }
  const own = appid ?? componentAppid;
  return own === undefined ? undefined : [`${platform}:${own}`];
}

const authPluginImpl: FastifyPluginAsync<AuthOptions> = async (app, options) => {
  const keys: CompiledKey[] = (options.apiKeys ?? []).map((config) => ({
    config,
    digest: Buffer.from(config.hash.slice('sha256:'.length), 'hex'),
    platforms: config.platforms && new Set(config.platforms),
    kinds: config.kinds && new Set(config.kinds),
    apps: config.apps && new Set(config.apps),
    restricted: Boolean(config.platforms ?? config.kinds ?? config.apps),
  }));
  const names = new Set(keys.map((k) => k.config.name));
  if (names.size !== keys.length) throw new ConfigError('gateway.apiKeys: key names must be unique');
  const defaultLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
  const buckets = new TokenBuckets(options.now);
  const open = keys.length === 0;

  function identify(request: FastifyRequest): CompiledKey {
    const key = presentedKey(request);
    if (key === undefined) {
      throw new AuthError(401, 'unauthorized', 'missing API key: send Authorization: Bearer <key> or X-Api-Key');
    }
    // Hash first, so every comparison is between equal-length digests; look at every key, no early exit.
    const digest = createHash('sha256').update(key, 'utf8').digest();
    let found: CompiledKey | undefined;
    for (const candidate of keys) {
      if (timingSafeEqual(digest, candidate.digest)) found = candidate;
    }
    if (!found || key === '') throw new AuthError(401, 'unauthorized', 'invalid API key');
    return found;
  }

  function authorize(request: FastifyRequest, key: CompiledKey, scope: ApiKeyScope): void {
    const { scopes, name } = key.config;
    if (!scopes.includes(scope) && !scopes.includes('admin')) {
      throw new AuthError(403, 'forbidden', `API key "${name}" lacks the "${scope}" scope`);
    }
    const config = request.routeOptions.config;
    const single = (value: string | undefined) => (value === undefined ? undefined : [value]);
    const checks: Array<[string, string[] | undefined, Set<string> | undefined]> = [
      ['platform', single(stringParam(request.params, 'platform')), key.platforms],
      ['kind', single(stringParam(request.params, 'kind') ?? config.kind), key.kinds],
      ['app', credentialScopes(request.params), key.apps],
    ];
    for (const [what, values, allowed] of checks) {
      if (!allowed) continue;
      // A key restricted to some credentials cannot use routes that do not name one (lists, registration).
      if (values === undefined) throw new AuthError(403, 'forbidden', `API key "${name}" is limited to some ${what}s`);
      if (!values.some((value) => allowed.has(value))) {
        throw new AuthError(403, 'forbidden', `API key "${name}" may not access this ${what}`);
      }
    }
  }

  // Declared up front: a property added to each request later changes its shape and slows every access.
  app.decorateRequest('apiKeyName', undefined);
  // A callback hook, not an async one: it runs on every token read, and a promise per request costs.
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const scope = request.routeOptions.config?.scope ?? 'admin';
    if (scope === 'public' || open) return done();
    try {
      const key = identify(request);
      if (key.restricted || !key.config.scopes.includes(scope)) authorize(request, key, scope);
      const limited = buckets.take(key.config.name, key.config.rateLimit ?? defaultLimit);
      if (!limited.ok) {
        reply.header('retry-after', String(limited.retryAfterSeconds));
        throw new AuthError(429, 'rate_limited', `API key "${key.config.name}" is over its rate limit`);
      }
      request.apiKeyName = key.config.name;
      done();
    } catch (err) {
      if (!(err instanceof AuthError)) return done(err as Error);
      if (err.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="token-central"');
      void reply.status(err.statusCode).send({ error: { code: err.code, message: err.message } });
    }
  });
};

/** Not encapsulated: the hook must cover routes registered beside it. */
export const authPlugin = fp(authPluginImpl);
