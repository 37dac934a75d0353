/**
 * Gateway authentication (client/auth.ts) through buildGateway and fastify.inject: keys, scopes,
 * platform/kind/app limits, the rate limit, and the start-time exposure check. The TokenClient is
 * a stub: what is tested is who gets through, not the tokens.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { assertGatewayExposure, generateApiKey, hashApiKey } from '../../gateway/plugins/auth';
import { buildGateway } from '../../gateway/app';
import { GatewayClient, GatewayError } from '../../client/gateway-client';
import { TokenBuckets } from '../../gateway/plugins/rate-limit';
import type { TokenClient } from '../../client/token-client';
import { ConfigError, configSchema, type ApiKeyConfig } from '../../config/config';

const reader = generateApiKey();
const invalidator = generateApiKey();
const admin = generateApiKey();
const limited = generateApiKey();
const appAdmin = generateApiKey();
const apiKeys: ApiKeyConfig[] = [
  { name: 'reader', hash: reader.hash, scopes: ['read'] },
  { name: 'invalidator', hash: invalidator.hash, scopes: ['read', 'invalidate'], apps: ['wxallowed01'] },
  { name: 'admin', hash: admin.hash, scopes: ['admin'] },
  { name: 'app-admin', hash: appAdmin.hash, scopes: ['admin'], platforms: ['wechat'], apps: ['wxallowed01'] },
  { name: 'limited', hash: limited.hash, scopes: ['read'], rateLimit: { burst: 3, perSecond: 1 } },
];

const served: string[] = [];
const stubTokens = {
  async getToken(ref: { appid: string }) {
    served.push(`get ${ref.appid}`);
    return { accessToken: 'tok', expiresAt: Date.now() + 60_000, version: 1 };
  },
  async reportInvalid(ref: { appid: string }) {
    served.push(`invalidate ${ref.appid}`);
    return { accessToken: 'tok2', expiresAt: Date.now() + 60_000, version: 2 };
  },
  async describe(ref: { appid: string }) {
    served.push(`describe ${ref.appid}`);
    return { appid: ref.appid };
  },
} as unknown as TokenClient;

let now = 1_000_000;
let gateway: FastifyInstance;
let base: string;
beforeAll(async () => {
  gateway = buildGateway({
    client: {} as Client,
    tokens: stubTokens,
    taskQueue: 'unused',
    auth: { apiKeys, rateLimit: { burst: 1000, perSecond: 1000 }, now: () => now },
  });
  base = await gateway.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => gateway.close());

interface Reply {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): { error: { code: string; message: string } } & Record<string, unknown>;
}

// Real HTTP: fastify.inject pulls in an ESM-only module that jest cannot load.
async function call(
  method: 'GET' | 'POST' | 'HEAD',
  url: string,
  headers: Record<string, string> = {},
  payload?: unknown,
  origin = base,
): Promise<Reply> {
  const res = await request(`${origin}${url}`, {
    method,
    headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  const body = method === 'HEAD' ? '{}' : await res.body.text();
  return { statusCode: res.statusCode, headers: res.headers, body, json: () => JSON.parse(body) };
}
const get = (url: string, headers: Record<string, string> = {}) => call('GET', url, headers);
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('gateway API keys', () => {
  it('refuses a request without a key with 401, a JSON error and WWW-Authenticate', async () => {
    served.length = 0;
    const res = await get('/v1/tokens/app/wechat/wxallowed01');
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringMatching(/missing API key/) } });
    // The HEAD route Fastify derives from a GET carries its scope too.
    expect((await call('HEAD', '/v1/tokens/app/wechat/wxallowed01')).statusCode).toBe(401);
    expect(served).toEqual([]);
  });

  it('refuses a wrong key, a malformed header and a hash presented as the key', async () => {
    for (const headers of [
      bearer(`${reader.key}x`),
      bearer(reader.hash),
      { authorization: `Basic ${reader.key}` },
      { authorization: 'Bearer' },
      { 'x-api-key': '' },
      { 'x-api-key': reader.key.slice(0, -1) },
    ]) {
      const res = await get('/v1/tokens/app/wechat/wxallowed01', headers);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('unauthorized');
      // The key is never echoed back.
      expect(res.body).not.toContain(reader.key.slice(3, 20));
    }
    expect(served).toEqual([]);
  });

  it('serves a key in scope, by Authorization: Bearer or X-Api-Key', async () => {
    served.length = 0;
    const byBearer = await get('/v1/tokens/app/wechat/wxanyapp01', bearer(reader.key));
    expect(byBearer.statusCode).toBe(200);
    expect(byBearer.json().access_token).toBe('tok');
    const byHeader = await get('/v1/tokens/app/wechat/wxanyapp01', { 'x-api-key': reader.key });
    expect(byHeader.statusCode).toBe(200);
    expect(served).toEqual(['get wxanyapp01', 'get wxanyapp01']);
  });

  it('refuses a key out of scope with 403: wrong scope, wrong app, route naming no app', async () => {
    served.length = 0;
    const invalidate = await call('POST', '/v1/tokens/app/wechat/wxallowed01/invalidate', bearer(reader.key), {
      access_token: 'tok',
    });
    expect(invalidate.statusCode).toBe(403);
    expect(invalidate.json().error).toEqual({ code: 'forbidden', message: expect.stringMatching(/invalidate/) });

    expect((await get('/v1/apps/wechat/wxallowed01', bearer(reader.key))).statusCode).toBe(403);
    expect((await get('/v1/tokens/app/wechat/wxother001', bearer(invalidator.key))).json().error.code).toBe(
      'forbidden',
    );
    // Restricted to some apps: a route that names no app (the app list) is out of reach.
    const restrictedAdmin = await get('/v1/apps', bearer(appAdmin.key));
    expect(restrictedAdmin.statusCode).toBe(403);
    expect(restrictedAdmin.json().error.message).toMatch(/limited to some/);
    expect((await get('/v1/apps/wechat/wxother001', bearer(appAdmin.key))).statusCode).toBe(403);
    expect(served).toEqual([]);

    const allowed = await call('POST', '/v1/tokens/app/wechat/wxallowed01/invalidate', bearer(invalidator.key), {
      access_token: 'tok',
    });
    expect(allowed.statusCode).toBe(200);
    expect((await get('/v1/apps/wechat/wxallowed01', bearer(appAdmin.key))).statusCode).toBe(200);
    expect(served).toEqual(['invalidate wxallowed01', 'describe wxallowed01']);
  });

  it('lets admin through every scope, and leaves public routes open', async () => {
    served.length = 0;
    expect((await get('/v1/apps/wechat/wxallowed01', bearer(admin.key))).statusCode).toBe(200);
    expect((await get('/v1/tokens/app/wechat/wxallowed01', bearer(admin.key))).statusCode).toBe(200);
    expect((await get('/healthz')).statusCode).toBe(200);
    // Unknown routes need a key too (no route map for anonymous callers), and 404 with one.
    expect((await get('/v1/nothing-here')).statusCode).toBe(401);
    expect((await get('/v1/nothing-here', bearer(admin.key))).statusCode).toBe(404);
  });

  it('rate-limits per key with 429 and Retry-After, refilling over time', async () => {
    const url = '/v1/tokens/app/wechat/wxanyapp01';
    for (let i = 0; i < 3; i++) expect((await get(url, bearer(limited.key))).statusCode).toBe(200);
    const refused = await get(url, bearer(limited.key));
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json().error.code).toBe('rate_limited');
    // Other keys have their own bucket.
    expect((await get(url, bearer(reader.key))).statusCode).toBe(200);
    now += 1_000;
    expect((await get(url, bearer(limited.key))).statusCode).toBe(200);
    expect((await get(url, bearer(limited.key))).statusCode).toBe(429);
  });
});

describe('GatewayClient', () => {
  it('passes its API key and surfaces refusals as GatewayError', async () => {
    const ref = { kind: 'app', platform: 'wechat', appid: 'wxallowed01' } as const;
    const client = new GatewayClient({ baseUrl: base, apiKey: invalidator.key });
    try {
      expect(await client.getToken(ref)).toMatchObject({ accessToken: 'tok', version: 1 });
      expect(await client.reportInvalid(ref, 'tok')).toMatchObject({ accessToken: 'tok2', version: 2 });
      const outOfScope = await client.getToken({ ...ref, appid: 'wxother001' }).catch((err: unknown) => err);
      expect(outOfScope).toBeInstanceOf(GatewayError);
      expect(outOfScope).toMatchObject({ statusCode: 403, code: 'forbidden' });
    } finally {
      await client.close();
    }
    const anonymous = new GatewayClient({ baseUrl: base });
    await expect(anonymous.getToken(ref)).rejects.toMatchObject({ statusCode: 401, code: 'unauthorized' });
    await anonymous.close();
  });

  it('limits keys by the authorizer appid on authorizer routes', async () => {
    const client = new GatewayClient({ baseUrl: base, apiKey: invalidator.key });
    const authorizer = { kind: 'authorizer', platform: 'wechat', componentAppid: 'wxcomponent1' } as const;
    try {
      await expect(client.getToken({ ...authorizer, appid: 'wxallowed01' })).resolves.toMatchObject({ version: 1 });
      await expect(client.getToken({ ...authorizer, appid: 'wxother001' })).rejects.toMatchObject({ statusCode: 403 });
    } finally {
      await client.close();
    }
  });
});

describe('gateway without keys', () => {
  it('is open when no keys are configured', async () => {
    const open = buildGateway({ client: {} as Client, tokens: stubTokens, taskQueue: 'unused' });
    const origin = await open.listen({ host: '127.0.0.1', port: 0 });
    expect((await call('GET', '/v1/tokens/app/wechat/wxanyapp01', {}, undefined, origin)).statusCode).toBe(200);
    await open.close();
  });

  it('may run open on loopback only, with a warning; elsewhere it refuses to start', () => {
    expect(assertGatewayExposure('127.0.0.1', [])).toMatch(/no API keys/);
    expect(assertGatewayExposure('::1', [])).toMatch(/no API keys/);
    expect(() => assertGatewayExposure('0.0.0.0', [])).toThrow(ConfigError);
    expect(() => assertGatewayExposure('10.1.2.3', [])).toThrow(/Refusing to start the gateway on 10.1.2.3/);
    expect(assertGatewayExposure('0.0.0.0', apiKeys)).toBeUndefined();
  });
});

describe('API key config', () => {
  it('accepts hashes, rejects a literal key', () => {
    const entry = { name: 'svc', hash: hashApiKey('k'), scopes: ['read'] };
    expect(configSchema.parse({ gateway: { apiKeys: [entry] } }).gateway.apiKeys).toHaveLength(1);
    expect(() => configSchema.parse({ gateway: { apiKeys: [{ ...entry, hash: reader.key }] } })).toThrow(/sha256/);
    expect(() => configSchema.parse({ gateway: { apiKeys: [{ ...entry, scopes: ['root'] }] } })).toThrow();
  });

  it('token bucket: burst then refill rate', () => {
    let t = 0;
    const buckets = new TokenBuckets(() => t);
    const opts = { burst: 2, perSecond: 0.5 };
    expect(buckets.take('a', opts).ok).toBe(true);
    expect(buckets.take('a', opts).ok).toBe(true);
    expect(buckets.take('a', opts)).toEqual({ ok: false, retryAfterSeconds: 2 });
    t += 2_000;
    expect(buckets.take('a', opts).ok).toBe(true);
  });
});
