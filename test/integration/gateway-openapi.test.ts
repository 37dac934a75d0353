/**
 * The gateway's HTTP contract on the real stack: the answers of a lifecycle (register, token read,
 * invalidate, describe of an app and a component, list, 4xx, 503) validate against the gateway's
 * own /openapi.json, every JSON answer is snake_case, and `GET /v1/apps` pages through Temporal
 * visibility with `page_size` / `next_page_token`, no credential listed twice or missed.
 */
import { request } from 'undici';
import { eventually } from '../harness/eventually';
import { responseChecker, type OpenApiDocument } from '../harness/openapi-check';
import { startStack, type Stack } from '../harness/stack';

let stack: Stack;
let gatewayUrl: string;
let check: ReturnType<typeof responseChecker>;
beforeAll(async () => {
  stack = await startStack({ timeScale: 1, httpTimeoutMs: 1_000 });
  gatewayUrl = await stack.startGateway();
  check = responseChecker((await (await request(`${gatewayUrl}/openapi.json`)).body.json()) as OpenApiDocument);
});
afterAll(async () => {
  await stack?.teardown();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
type Json = Record<string, any>;

/** One call whose answer must match the description of (method, pattern, status). */
async function call(method: 'GET' | 'POST', pattern: string, path: string, body?: unknown) {
  const response = await request(`${gatewayUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await response.body.json()) as Json;
  expect(check(method, pattern, response.statusCode, json)).toEqual([]);
  expect(camelCaseKeys(json)).toEqual([]);
  return { status: response.statusCode, body: json };
}

function camelCaseKeys(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => camelCaseKeys(item, `${at}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => [
    ...(/[A-Z]/.test(key) ? [`${at}.${key}`] : []),
    ...camelCaseKeys(item, `${at}.${key}`),
  ]);
}

const TOKEN = '/v1/tokens/app/:platform/:appid';

it('answers a lifecycle as its OpenAPI description says, in snake_case', async () => {
  const app = await stack.sandbox.control.createWechatApp();
  stack.secrets.WX_OPENAPI_SECRET = app.secret;
  const registered = await call('POST', '/v1/apps', '/v1/apps', {
    platform: 'wechat',
    appid: app.appid,
    mode: 'basic',
    secret: { env: 'WX_OPENAPI_SECRET' },
  });
  expect(registered).toEqual({ status: 201, body: { id: `app/wechat/${app.appid}` } });
  const refused = await call('POST', '/v1/apps', '/v1/apps', { platform: 'wechat', appid: app.appid, secret: 'x' });
  expect(refused.status).toBe(400);

  const first = await eventually(async () => {
    const r = await call('GET', TOKEN, `/v1/tokens/app/wechat/${app.appid}`);
    return r.status === 200 ? r.body : undefined;
  });
  const fresh = await call('POST', `${TOKEN}/invalidate`, `/v1/tokens/app/wechat/${app.appid}/invalidate`, {
    access_token: first.access_token,
  });
  expect(fresh.body.version).toBe(first.version + 1);

  const described = await call('GET', '/v1/apps/:platform/:appid', `/v1/apps/wechat/${app.appid}`);
  expect(described.body).toMatchObject({
    id: `app/wechat/${app.appid}`,
    status: 'active',
    passive_refreshes: 1,
    settings: { mode: 'basic' },
  });
  expect(Date.parse(described.body.expires_at)).toBe(Date.parse(fresh.body.expires_at));

  const component = await stack.addWechatComponent();
  await stack.sandbox.control.pushTicket(component.componentAppid);
  const lifecycle = await eventually(async () => {
    const path = `/v1/components/wechat/${component.componentAppid}`;
    const r = await call('GET', '/v1/components/:platform/:componentAppid', path);
    return r.status === 200 && r.body.ticket?.state === 'fresh' ? r.body : undefined;
  });
  expect(lifecycle.ticket).toMatchObject({ received_at: expect.any(String), start_push_calls: expect.any(Number) });

  const listed = await eventually(async () => {
    const r = await call('GET', '/v1/apps', '/v1/apps?status=active&page_size=1000');
    return r.body.apps.some((a: Json) => a.appid === app.appid) ? r.body : undefined;
  });
  expect(listed.apps.find((a: Json) => a.appid === app.appid)).toMatchObject({ kind: 'app', platform: 'wechat' });

  expect((await call('GET', TOKEN, '/v1/tokens/app/wechat/wxnosuchapp0000001')).status).toBe(404);
  expect((await call('GET', TOKEN, `/v1/tokens/app/wechat/${app.appid}?debug=1`)).status).toBe(400);
  expect((await call('GET', '/v1/apps', '/v1/apps?page_size=1001')).status).toBe(400);
  expect((await call('GET', '/v1/apps', '/v1/apps?page_token=bm90LWEtdG9rZW4')).status).toBe(400);

  const invalid = await stack.sandbox.control.createWechatApp({ secret: 'the-real-secret-0123456789abcdef' });
  stack.secrets.WX_WRONG_SECRET = 'a-wrong-secret-0123456789abcdef';
  await call('POST', '/v1/apps', '/v1/apps', {
    platform: 'wechat',
    appid: invalid.appid,
    mode: 'basic',
    secret: { env: 'WX_WRONG_SECRET' },
  });
  const unavailable = await eventually(async () => {
    const r = await call('GET', TOKEN, `/v1/tokens/app/wechat/${invalid.appid}`);
    return r.status === 503 && r.body.error.status === 'credential_invalid' ? r.body : undefined;
  });
  expect(unavailable.error.code).toBe('token_unavailable');
});

it('pages GET /v1/apps with page_size and next_page_token, nothing twice, nothing missed', async () => {
  const apps: string[] = [];
  for (let i = 0; i < 7; i++) apps.push((await stack.addWechatApp('basic')).appid);

  const listAll = async () => {
    const ids: string[] = [];
    let pages = 0;
    let token: string | undefined;
    do {
      const query = `page_size=3&platform=wechat${token ? `&page_token=${token}` : ''}`;
      const page = await call('GET', '/v1/apps', `/v1/apps?${query}`);
      expect(page.status).toBe(200);
      expect(page.body.apps.length).toBeLessThanOrEqual(3);
      ids.push(...page.body.apps.map((a: Json) => a.appid as string));
      token = page.body.next_page_token;
      pages++;
    } while (token);
    return { ids, pages };
  };
  // Visibility is eventually consistent: wait until every new app is listed, then check the pages.
  const listing = await eventually(async () => {
    const all = await listAll();
    return apps.every((appid) => all.ids.includes(appid)) ? all : undefined;
  });
  expect(new Set(listing.ids).size).toBe(listing.ids.length);
  expect(listing.pages).toBeGreaterThanOrEqual(Math.ceil(listing.ids.length / 3));
  expect(listing.pages).toBeGreaterThanOrEqual(3);
});
