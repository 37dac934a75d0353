/**
 * Rate limits, in memory (one gateway process). A token bucket per key: `burst` requests at once,
 * refilled continuously at `perSecond`. Stand-in for @fastify/rate-limit, which is not a dependency.
 *
 * The auth plugin limits each API key. This module's plugin limits the public routes (pushes,
 * authorization links and callbacks), which anyone can call: per client address and per component,
 * so neither one noisy caller nor many callers aimed at one component can make the gateway spend
 * platform quota, secret reads, decryptions or Temporal calls without bound.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface BucketOptions {
  burst: number;
  perSecond: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  /**
   * `maxKeys` bounds memory when keys come from callers (addresses, path parameters): past it, the
   * least recently used bucket is dropped (it would start full again, as a new caller does).
   */
  constructor(
    private readonly now: () => number = () => Date.now(),
    private readonly maxKeys = Infinity,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token for `key`; when none is left, says how many seconds until one is. */
  take(key: string, options: BucketOptions): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: options.burst, updatedAt: now };
    bucket.tokens = Math.min(options.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * options.perSecond);
    bucket.updatedAt = now;
    // Re-inserted so that the map's order is least recently used first.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / options.perSecond)) };
  }
}

/** Limits of one group of public routes. */
export interface PublicRouteLimit {
  perAddress: BucketOptions;
  perComponent: BucketOptions;
}

export type PublicRouteGroup = 'push' | 'authorize';
export type PublicRateLimits = Record<PublicRouteGroup, PublicRouteLimit>;

/**
 * Platforms push a ticket every 10 minutes per component, plus an event per authorization change,
 * and retry a push a few times when it fails; one platform pushes for every component from a few
 * addresses. Authorization links and callbacks are a merchant's browser, a few per authorization.
 */
export const DEFAULT_PUBLIC_RATE_LIMITS: PublicRateLimits = {
  push: { perAddress: { burst: 200, perSecond: 5 }, perComponent: { burst: 60, perSecond: 1 } },
  authorize: { perAddress: { burst: 20, perSecond: 0.2 }, perComponent: { burst: 100, perSecond: 2 } },
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A public route limited per client address and per :componentAppid (this module). */
    publicLimit?: PublicRouteGroup;
  }
}

export interface PublicRateLimitOptions {
  limits?: Partial<PublicRateLimits>;
  /** Buckets kept per kind (addresses, components); the least recently used go first. */
  maxKeys?: number;
  now?: () => number;
}

const COMPONENT_APPID = /^[A-Za-z0-9_-]{4,64}$/;

/**
 * The route's component, e.g. `/v1/authorize/wechat/wxc1`: its platform is in the route's path, and
 * the authorization link and its callback share one bucket.
 */
function componentKey(request: FastifyRequest): string | undefined {
  const componentAppid = (request.params as { componentAppid?: unknown } | undefined)?.componentAppid;
  // Junk ids answer 400/404 without work; counting them would only fill the map.
  if (typeof componentAppid !== 'string' || !COMPONENT_APPID.test(componentAppid)) return undefined;
  return request.routeOptions.url!.replace(/\/callback$/, '').replace(':componentAppid', componentAppid);
}

const publicRateLimitImpl: FastifyPluginAsync<PublicRateLimitOptions> = async (app, options) => {
  const limits: PublicRateLimits = {
    push: options.limits?.push ?? DEFAULT_PUBLIC_RATE_LIMITS.push,
    authorize: options.limits?.authorize ?? DEFAULT_PUBLIC_RATE_LIMITS.authorize,
  };
  const maxKeys = options.maxKeys ?? 10_000;
  const addresses = new TokenBuckets(options.now, maxKeys);
  const components = new TokenBuckets(options.now, maxKeys);

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const group = request.routeOptions.config?.publicLimit;
    if (!group) return done();
    const limit = limits[group];
    const byAddress = addresses.take(`${group}:${request.ip}`, limit.perAddress);
    const component = byAddress.ok ? componentKey(request) : undefined;
    const byComponent = component === undefined ? byAddress : components.take(component, limit.perComponent);
    const refused = !byAddress.ok ? byAddress : !byComponent.ok ? byComponent : undefined;
    if (!refused) return done();
    // Why goes to the log; the caller learns only when to come back.
    request.log.warn(
      { group, limit: !byAddress.ok ? 'address' : 'component', component, address: request.ip },
      'public route over its rate limit',
    );
    void reply
      .status(429)
      .header('retry-after', String(refused.retryAfterSeconds))
      .send({ error: { code: 'rate_limited', message: 'too many requests' } });
  });
};

/** Not encapsulated: the hook must cover the public routes registered beside it. */
export const publicRateLimitPlugin = fp(publicRateLimitImpl);
