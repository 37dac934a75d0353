/**
 * The gateway's OpenAPI document (gateway/openapi.ts): every route Fastify registers (seen through
 * an onRoute hook installed the moment the instance is created) is described with the auth its
 * scope demands; /openapi.json and the /docs page need no key and carry no key material; answers
 * of the stub gateway (token read, invalidate, describe in snake_case, errors) validate against it.
 */
import type { Client } from '@temporalio/client';
import type { RouteOptions } from 'fastify';
import type { TokenClient } from '../../../client/token-client';
import type { ApiKeyConfig } from '../../../config/config';
import { buildGateway } from '../../../gateway/app';
import { generateApiKey } from '../../../gateway/plugins/auth';
import type { CredentialDescription } from '../../../workflows/messages';
import { openApiPath, responseChecker, type OpenApiDocument } from '../../harness/openapi-check';
import { bearer, gatewayRequest } from '../../harness/stub-gateway';

const mockRoutes: RouteOptions[] = [];
jest.mock('fastify', () => {
  const actual = jest.requireActual('fastify');
  const wrapped = (options: unknown) => {
    const app = actual(options);
    app.addHook('onRoute', (route: RouteOptions) => void mockRoutes.push(route));
    return app;
  };
  return Object.assign(wrapped, actual, { default: wrapped, fastify: wrapped });
});

const admin = generateApiKey();
const apiKeys: ApiKeyConfig[] = [{ name: 'ops', hash: admin.hash, scopes: ['admin'] }];
const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const description: CredentialDescription = {
  id: 'app/wechat/wxdescribed01',
  status: 'degraded',
  version: 3,
  expiresAt: NOW + 3_600_000,
  obtainedAt: NOW,
  nextRefreshAt: NOW + 60_000,
  refreshes: 3,
  passiveRefreshes: 1,
  forcedRefreshes: 0,
  consecutiveFailures: 2,
  lastError: { at: NOW + 1000, category: 'transient', code: '-1', message: 'system busy' },
  settings: { mode: 'stable', secretRef: { env: 'WX_SECRET' } },
};
const tokens = {
  getToken: async () => ({ accessToken: 'tok', expiresAt: Date.now() + 60_000, version: 1 }),
  reportInvalid: async () => ({ accessToken: 'tok2', expiresAt: Date.now() + 60_000, version: 2 }),
  describe: async () => description,
} as unknown as TokenClient;

let url: string;
let close: () => Promise<void>;
let document: OpenApiDocument;
beforeAll(async () => {
  const gateway = buildGateway({ client: {} as Client, tokens, taskQueue: 'unused', auth: { apiKeys } });
  url = await gateway.listen({ host: '127.0.0.1', port: 0 });
  close = () => gateway.close();
  const response = await gatewayRequest(url, 'GET', '/openapi.json');
  expect(response.statusCode).toBe(200);
  document = JSON.parse(response.body) as OpenApiDocument;
});
afterAll(() => close());

it('describes every registered route, with the auth its scope demands', () => {
  expect(document.openapi).toBe('3.1.0');
  const apiRoutes = mockRoutes.filter((route) => !(route.config as { hide?: boolean } | undefined)?.hide);
  const pairs = apiRoutes.flatMap((route) =>
    (Array.isArray(route.method) ? route.method : [route.method])
      .filter((method) => method !== 'HEAD')
      .map((method) => ({ method, url: route.url, scope: (route.config as { scope?: string })?.scope ?? 'admin' })),
  );
  expect(pairs.length).toBeGreaterThan(20);
  const missing = pairs.filter(({ method, url: path }) => !document.paths[openApiPath(path)]?.[method.toLowerCase()]);
  expect(missing).toEqual([]);
  for (const { method, url: path, scope } of pairs) {
    const { security } = document.paths[openApiPath(path)][method.toLowerCase()];
    expect({ route: `${method} ${path}`, open: security?.length === 0 }).toEqual({
      route: `${method} ${path}`,
      open: scope === 'public',
    });
  }
});

it('serves the document and the docs page without a key, and no key material in them', async () => {
  const page = await gatewayRequest(url, 'GET', '/docs');
  expect(page.statusCode).toBe(200);
  expect(page.body).toContain('data-spec-url="/openapi.json"');
  for (const asset of page.body.match(/\/docs\/assets\/[\w.-]+/g) ?? []) {
    expect({ asset, status: (await gatewayRequest(url, 'GET', asset)).statusCode }).toEqual({ asset, status: 200 });
  }
  expect(page.body.match(/\/docs\/assets\//g)).toHaveLength(5);
  expect(JSON.stringify(document)).not.toContain(admin.hash.slice('sha256:'.length));
  expect(JSON.stringify(document)).not.toContain(admin.key);
  // The key is still needed everywhere else.
  expect((await gatewayRequest(url, 'GET', '/v1/apps/wechat/wxdescribed01')).statusCode).toBe(401);
});

it('real answers validate against the description; describe answers in snake_case with ISO times', async () => {
  const check = responseChecker(document);
  const key = bearer(admin.key);
  const answers: Array<[string, string, string, unknown?]> = [
    ['GET', '/v1/tokens/app/:platform/:appid', '/v1/tokens/app/wechat/wxdescribed01'],
    [
      'POST',
      '/v1/tokens/app/:platform/:appid/invalidate',
      '/v1/tokens/app/wechat/wxdescribed01/invalidate',
      { access_token: 'tok' },
    ],
    ['GET', '/v1/tokens/app/:platform/:appid', '/v1/tokens/app/wechat/wxdescribed01?debug=1'],
    ['POST', '/v1/tokens/app/:platform/:appid/invalidate', '/v1/tokens/app/wechat/wxdescribed01/invalidate', {}],
    ['GET', '/v1/apps/:platform/:appid', '/v1/apps/wechat/wxdescribed01'],
    ['GET', '/v1/components/:platform/:componentAppid', '/v1/components/wechat/wxcomponent01'],
    ['GET', '/healthz', '/healthz'],
  ];
  const statuses = [];
  for (const [method, pattern, path, body] of answers) {
    const response = await gatewayRequest(url, method as 'GET' | 'POST', path, key, body);
    statuses.push(response.statusCode);
    expect(check(method, pattern, response.statusCode, response.json())).toEqual([]);
  }
  expect(statuses).toEqual([200, 200, 400, 400, 200, 200, 200]);
  const unauthorized = await gatewayRequest(url, 'GET', '/v1/tokens/app/wechat/wxdescribed01');
  expect(check('GET', '/v1/tokens/app/:platform/:appid', 401, unauthorized.json())).toEqual([]);

  const described = (await gatewayRequest(url, 'GET', '/v1/apps/wechat/wxdescribed01', key)).json();
  expect(described).toEqual({
    id: 'app/wechat/wxdescribed01',
    status: 'degraded',
    version: 3,
    expires_at: '2026-01-01T13:00:00.000Z',
    obtained_at: '2026-01-01T12:00:00.000Z',
    next_refresh_at: '2026-01-01T12:01:00.000Z',
    refreshes: 3,
    passive_refreshes: 1,
    forced_refreshes: 0,
    consecutive_failures: 2,
    last_error: { at: '2026-01-01T12:00:01.000Z', category: 'transient', code: '-1', message: 'system busy' },
    settings: { mode: 'stable', secret_ref: { env: 'WX_SECRET' } },
  });
  // The checker itself rejects what the description does not allow.
  expect(check('GET', '/v1/apps/:platform/:appid', 200, { ...described, passive_refreshes: 'one' })).not.toEqual([]);
});
