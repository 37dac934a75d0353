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
const oneAuthorizer = generateApiKey();
const componentAuthorizers = generateApiKey();
const scraper = generateApiKey();
const apiKeys: ApiKeyConfig[] = [
  { name: 'reader', hash: reader.hash, scopes: ['read'] },
  { name: 'invalidator', hash: invalidator.hash, scopes: ['read', 'invalidate'], apps: ['wechat:wxallowed01'] },
  { name: 'admin', hash: admin.hash, scopes: ['admin'] },
  { name: 'app-admin', hash: appAdmin.hash, scopes: ['admin'], platforms: ['wechat'], apps: ['wechat:wxallowed01'] },
  { name: 'one-authorizer', hash: oneAuthorizer.hash, scopes: ['read'], apps: ['wechat:wxcompone01/wxauthzA01'] },
  { name: 'component-authorizers', hash: componentAuthorizers.hash, scopes: ['read'], apps: ['douyin:ttcompone01/*'] },
  { name: 'prometheus', hash: scraper.hash, scopes: ['metrics'] },
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
  it('a metrics key scrapes /metrics and nothing else; a read key cannot scrape', async () => {
    const scrape = await get('/metrics', bearer(scraper.key));
    expect(scrape.statusCode).toBe(200);
    expect(scrape.body).toMatch(/^# HELP /m);
    expect((await get('/v1/tokens/app/wechat/wxallowed01', bearer(scraper.key))).statusCode).toBe(403);
    expect((await get('/v1/apps', bearer(scraper.key))).statusCode).toBe(403);
    expect((await get('/metrics', bearer(reader.key))).statusCode).toBe(403);
    expect((await get('/metrics', bearer(admin.key))).statusCode).toBe(200);
  });

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

describe('API keys limited to credentials (platform, component, authorizer)', () => {
  const authorizerToken = (platform: string, component: string, authorizer: string) =>
    `/v1/tokens/authorizer/${platform}/${component}/${authorizer}`;

  it('reaches authorizer wxA of its own component only, not wxA under another component or platform', async () => {
    const read = async (url: string) => (await get(url, bearer(oneAuthorizer.key))).statusCode;
    expect(await read(authorizerToken('wechat', 'wxcompone01', 'wxauthzA01'))).toBe(200);
    expect(await read(authorizerToken('wechat', 'wxcomptwo01', 'wxauthzA01'))).toBe(403);
    expect(await read(authorizerToken('douyin', 'wxcompone01', 'wxauthzA01'))).toBe(403);
    expect(await read(authorizerToken('wechat', 'wxcompone01', 'wxauthzB01'))).toBe(403);
    // Neither the component's own token nor an own app that happens to share the appid.
    expect(await read('/v1/tokens/component/wechat/wxcompone01')).toBe(403);
    expect(await read('/v1/tokens/app/wechat/wxauthzA01')).toBe(403);
  });

  it('reaches every authorizer of a component with `platform:component/*`, and nothing else', async () => {
    const read = async (url: string) => (await get(url, bearer(componentAuthorizers.key))).statusCode;
    expect(await read(authorizerToken('douyin', 'ttcompone01', 'ttauthzA01'))).toBe(200);
    expect(await read(authorizerToken('douyin', 'ttcompone01', 'ttauthzB01'))).toBe(200);
    expect(await read(authorizerToken('douyin', 'ttcomptwo01', 'ttauthzA01'))).toBe(403);
    expect(await read(authorizerToken('wechat', 'ttcompone01', 'ttauthzA01'))).toBe(403);
    expect(await read('/v1/tokens/component/douyin/ttcompone01')).toBe(403);
  });

  it('refuses a configured bare appid at startup with a message saying what to write instead', () => {
    const entry = { name: 'svc', hash: hashApiKey('k'), scopes: ['read'] };
    for (const app of ['wechat:wxapp0001', 'wechat:wxcomp001/wxauth001', 'baidu:bdclient1/*']) {
      expect(configSchema.parse({ gateway: { apiKeys: [{ ...entry, apps: [app] }] } }).gateway.apiKeys).toHaveLength(1);
    }
    for (const app of ['wxallowed01', 'wechat:', 'qq:wxapp0001', 'wechat:wxcomp001/', 'wechat:*', 'wechat:a/b/c']) {
      expect(() => configSchema.parse({ gateway: { apiKeys: [{ ...entry, apps: [app] }] } })).toThrow(
        /<platform>:<appid>.*ambiguous across components/s,
      );
    }
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
