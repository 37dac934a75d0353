/**
 * Who gets through the gateway (gateway/plugins/auth.ts): requests without a valid key are refused
 * with 401 and never reach a token; a key reaches only its scopes (read, invalidate, admin) and, if
 * limited, its platforms and apps (403 otherwise); admin reaches every scope; public routes stay
 * open. Without keys the gateway is open, which it allows on loopback only; configured keys are
 * hashes, never the key itself. The TokenClient is a stub that records what got through. Per-key
 * rate limits are in rate-limit.test.ts, the client side in test/unit/client/gateway-client.test.ts.
 */
import { assertGatewayExposure, generateApiKey, hashApiKey } from '../../../gateway/plugins/auth';
import { ConfigError, configSchema, type ApiKeyConfig } from '../../../config/config';
import {
  bearer,
  gatewayRequest,
  recordingTokenClient,
  startStubGateway,
  type StubGateway,
} from '../../harness/stub-gateway';

const reader = generateApiKey();
const invalidator = generateApiKey();
const admin = generateApiKey();
const appAdmin = generateApiKey();
const apiKeys: ApiKeyConfig[] = [
  { name: 'reader', hash: reader.hash, scopes: ['read'] },
  { name: 'invalidator', hash: invalidator.hash, scopes: ['read', 'invalidate'], apps: ['wxallowed01'] },
  { name: 'admin', hash: admin.hash, scopes: ['admin'] },
  { name: 'app-admin', hash: appAdmin.hash, scopes: ['admin'], platforms: ['wechat'], apps: ['wxallowed01'] },
];

const served: string[] = [];
const stubTokens = recordingTokenClient(served);

let gateway: StubGateway;
beforeAll(async () => {
  gateway = await startStubGateway(stubTokens, { apiKeys, rateLimit: { burst: 1000, perSecond: 1000 } });
});
afterAll(() => gateway.close());

const call = (
  method: 'GET' | 'POST' | 'HEAD',
  url: string,
  headers: Record<string, string> = {},
  payload?: unknown,
  origin = gateway.url,
) => gatewayRequest(origin, method, url, headers, payload);
const get = (url: string, headers: Record<string, string> = {}) => call('GET', url, headers);

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
});

describe('gateway without keys', () => {
  it('is open when no keys are configured', async () => {
    const open = await startStubGateway(stubTokens);
    expect((await call('GET', '/v1/tokens/app/wechat/wxanyapp01', {}, undefined, open.url)).statusCode).toBe(200);
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
});
