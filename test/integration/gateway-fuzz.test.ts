/**
 * Input hardening: random and malformed paths, IDs, queries, bodies, content types, headers and API
 * keys thrown at the token, admin and public routes (pushes, authorization links and callbacks) of a
 * gateway whose Client talks to a real dev server (one real app registered, its worker running). Only
 * 4xx comes back (2xx only for a valid key; the callback's generic 202 for junk), the public routes
 * answer 429 with Retry-After once over their limits and refuse in generic words, the gateway keeps
 * serving, nothing reaches a workflow, and memory stays flat over 10,000 inputs.
 */
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { Pool } from 'undici';
import { generateApiKey } from '../../gateway/plugins/auth';
import { buildWechatPush, type WechatPushMessage } from '../../platforms/wechat/push-crypto';
import { buildGateway } from '../../gateway/app';
import { genericMessage } from '../../gateway/plugins/public-errors';
import { TokenClient } from '../../client/token-client';
import { startStack, type Stack } from '../harness/stack';
import { appHandle, queryToken } from '../harness/apps';
import { eventually } from '../harness/eventually';

jest.setTimeout(120_000);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const adminKey = generateApiKey();
const readKey = generateApiKey();
const validKeys = new Set([adminKey.key, readKey.key]);

// A third-party platform the push route serves; no workflow exists for it, so any accepted push would start one.
const componentAppid = 'wxfuzzcomponent01';
const pushToken = 'fuzz-push-token';
const aesKeyOf = () => randomBytes(64).toString('hex').slice(0, 43);
const aesKey = aesKeyOf();
const wrongAesKey = aesKeyOf();
const componentEnv = { FUZZ_COMPONENT_SECRET: 'component-secret', FUZZ_PUSH_TOKEN: pushToken, FUZZ_AES_KEY: aesKey };

let stack: Stack;
let gateway: FastifyInstance;
let pool: Pool;
let appid: string;

beforeAll(async () => {
  stack = await startStack({ timeScale: 1 });
  const app = await stack.addWechatApp('stable');
  appid = app.appid;
  await eventually(async () => ((await queryToken(stack.client, app)).version > 0 ? true : undefined));
  gateway = buildGateway({
    client: stack.client,
    tokens: new TokenClient(stack.client),
    taskQueue: stack.taskQueue,
    auth: {
      apiKeys: [
        { name: 'admin', hash: adminKey.hash, scopes: ['admin'] },
        { name: 'reader', hash: readKey.hash, scopes: ['read', 'invalidate'] },
      ],
      rateLimit: { burst: 1_000_000, perSecond: 1_000_000 },
    },
    // ~1,500 inputs each go to pushes and to authorization: the bursts let hundreds reach the
    // checks, the slow refill makes the run cross the limits however long it takes (429s).
    publicRateLimits: {
      push: { perAddress: { burst: 500, perSecond: 2 }, perComponent: { burst: 400, perSecond: 2 } },
      authorize: { perAddress: { burst: 300, perSecond: 2 }, perComponent: { burst: 250, perSecond: 2 } },
    },
    authorization: { publicUrl: 'https://tc.example.com', callbackWaitMs: 200 },
    components: [
      {
        platform: 'wechat',
        componentAppid,
        secret: { env: 'FUZZ_COMPONENT_SECRET' },
        token: { env: 'FUZZ_PUSH_TOKEN' },
        encodingAESKey: { env: 'FUZZ_AES_KEY' },
      },
    ],
    env: componentEnv,
  });
  const origin = await gateway.listen({ host: '127.0.0.1', port: 0 });
  pool = new Pool(origin, { connections: 4 });
}, 120_000);

afterAll(async () => {
  await pool?.close();
  await gateway?.close();
  await stack?.teardown();
});

const printable = (max: number) =>
  fc.string({ unit: fc.constantFrom(...'!#$%&*+-.^_`|~0123456789abcXYZ/=:;,"'), maxLength: max });
const anyText = (max: number) => fc.string({ unit: 'binary', maxLength: max });

const platform = fc.oneof(
  fc.constantFrom('wechat', 'douyin', 'baidu', 'WECHAT', '', '..', '%00', '%2e%2e', 'wechat%2F..'),
  anyText(20).map(encodeURIComponent),
);
const appidArb = fc.oneof(
  fc.constant(null), // the real app
  fc.stringMatching(/^[A-Za-z0-9_-]{4,64}$/),
  anyText(80).map(encodeURIComponent),
  fc.constantFrom('a', '%00%00%00%00', '..%2F..%2Fetc', 'x'.repeat(5000), 'wx%20abc', '__proto__', 'constructor'),
);
const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom(
    '?status=active',
    '?status=bogus',
    '?platform=wechat',
    '?a[b]=1',
    '?__proto__[x]=1',
    '?status=active&status=expired',
    '?',
  ),
  fc.tuple(anyText(20), anyText(40)).map(([k, v]) => `?${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
);
const credentialKey = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(adminKey.key, readKey.key, adminKey.hash, readKey.key.slice(0, -1), `${adminKey.key} `, 'tc_'),
  printable(100),
  printable(6000),
);
const validKey = fc.constantFrom(adminKey.key, readKey.key);
// Mostly valid keys, so that most inputs get past authentication to validation and the routes.
const authHeaders = fc.oneof(
  { weight: 6, arbitrary: validKey.map((key): Record<string, string> => ({ authorization: `Bearer ${key}` })) },
  { weight: 1, arbitrary: validKey.map((key): Record<string, string> => ({ 'x-api-key': key })) },
  credentialKey.map((key): Record<string, string> => (key === undefined ? {} : { authorization: `Bearer ${key}` })),
  credentialKey.map((key): Record<string, string> => (key === undefined ? {} : { 'x-api-key': key })),
  printable(200).map((value): Record<string, string> => ({ authorization: value })),
  fc.constant<Record<string, string>>({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }),
);
const extraHeaders = fc.dictionary(fc.stringMatching(/^x-[a-z0-9-]{1,20}$/), printable(100), { maxKeys: 3 });
const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'text/plain',
    'application/x-www-form-urlencoded',
    'application/xml',
    'multipart/form-data; boundary=x',
  ),
  printable(40),
);
const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.record({ access_token: fc.oneof(anyText(100), fc.integer(), fc.constant(null)) }).map((v) => JSON.stringify(v)),
  fc
    .record({ platform: fc.constantFrom('wechat', 'x'), appid: anyText(30), mode: anyText(8), secret: fc.jsonValue() })
    .map((v) => JSON.stringify(v)),
  anyText(300),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(
    '{"access_token":"x","__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '['.repeat(15_000),
    '{"a":'.repeat(3000),
    `{"access_token":"${'x'.repeat(20_000)}"}`,
    'null',
    '',
    '\u0000',
  ),
);

const nowSeconds = () => Math.floor(Date.now() / 1000);
const ticket = (): WechatPushMessage => ({
  AppId: componentAppid,
  CreateTime: nowSeconds(),
  InfoType: 'component_verify_ticket',
  ComponentVerifyTicket: 'ticket@@@fuzz',
});
/**
 * Pushes that are signed with the right token, yet each has one defect the receiver must catch:
 * garbage plaintext, another component's trailer, a stale timestamp, the wrong AES key, a
 * tampered ciphertext. A push without any defect would be accepted and start a workflow.
 */
const signedPush = fc
  .record({
    defect: fc.constantFrom('garbage', 'trailer', 'stale', 'key', 'tampered'),
    garbage: fc.oneof(
      anyText(200),
      fc.constantFrom('<xml></xml>', '<xml><InfoType>x</InfoType></xml>', '<!DOCTYPE x>'),
    ),
    nonce: fc.stringMatching(/^[a-z0-9]{1,16}$/),
  })
  .map(({ defect, garbage, nonce }) => {
    const timestamp = String(defect === 'stale' ? nowSeconds() - 3_600 : nowSeconds());
    const message = defect === 'garbage' ? garbage : ticket();
    const built = buildWechatPush({
      token: pushToken,
      encodingAESKey: defect === 'key' ? wrongAesKey : aesKey,
      componentAppid: defect === 'trailer' ? 'wxsomeoneelse01' : componentAppid,
      message,
      timestamp,
      nonce,
    });
    const body =
      defect === 'tampered' ? built.body.replace(/<Encrypt><!\[CDATA\[(.)/, '<Encrypt><![CDATA[A$1') : built.body;
    // A well-formed event of a kind we do not handle is acknowledged (so the platform stops
    // retrying it) and dispatches nothing: a 2xx is right for it alone.
    const ignorable = defect === 'garbage' && /<InfoType>/.test(garbage);
    return { query: `?${new URLSearchParams(built.query).toString()}`, body, ignorable };
  });
const pushQuery = fc.oneof(
  fc.constantFrom('', '?timestamp=1&nonce=1&msg_signature=x', '?encrypt_type=des&timestamp=1&nonce=1&msg_signature=x'),
  fc
    .record({ timestamp: anyText(12), nonce: anyText(12), msg_signature: printable(40), encrypt_type: printable(5) })
    .map((q) => `?${new URLSearchParams(q).toString()}`),
);
const pushBody = fc.oneof(
  anyText(400),
  fc
    .tuple(anyText(30), fc.base64String({ maxLength: 300 }))
    .map(([id, encrypt]) => `<xml><AppId><![CDATA[${id}]]></AppId><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`),
  fc.constantFrom(
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml><Encrypt>&b;</Encrypt></xml>',
    '<xml>'.repeat(5000),
    `<xml><Encrypt>${'A'.repeat(70_000)}</Encrypt></xml>`,
  ),
);
const pushInput = fc.oneof(
  signedPush,
  fc.record({ query: pushQuery, body: pushBody }).map((push) => ({ ...push, ignorable: false })),
);

/** Authorization links: junk queries and redirect targets off the public URL's origin. */
const authorizeQuery = fc.oneof(
  fc.constantFrom('', '?format=json', '?variant=h5', '?auth_type=9', '?biz_appid=..', '?format=json&format=json'),
  fc
    .constantFrom(
      'https://evil.example.com/cb',
      'https://tc.example.com.evil.example/cb',
      'http://tc.example.com/cb',
      'javascript:alert(1)',
      '//evil.example.com',
      'https://tc.example.com@evil.example.com/',
    )
    .map((uri) => `?format=json&redirect_uri=${encodeURIComponent(uri)}`),
  fc.tuple(anyText(20), anyText(60)).map(([k, v]) => `?${encodeURIComponent(k)}=${encodeURIComponent(v)}`),
);
/** Callbacks with junk codes and states that no link of this gateway carried (forged, other keys, none). */
const callbackQuery = fc
  .record({
    code: fc.oneof(fc.constant(undefined), anyText(40), fc.constant('x'.repeat(600))),
    state: fc.oneof(
      fc.constant(undefined),
      anyText(60),
      fc
        .tuple(fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 44 }))
        .map(([claims, mac]) => `v1.${claims}.${mac}`),
      fc.constant(
        `v1.${Buffer.from(JSON.stringify({ p: 'wechat', c: componentAppid, e: 9e15, n: 'x' })).toString('base64url')}.AAAA`,
      ),
    ),
  })
  .map(({ code, state }) => {
    const query = new URLSearchParams();
    if (code !== undefined) query.set('auth_code', code);
    if (state !== undefined) query.set('state', state);
    return `?${query.toString()}`;
  });

type Input = {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  push: boolean;
  /** A signed, well-formed push of an event kind that is acknowledged without any dispatch. */
  ignorable?: boolean;
  /** The public route it aims at, if any. */
  public?: 'push' | 'authorize' | 'callback';
};

const input: fc.Arbitrary<Input> = fc
  .record({
    route: fc.constantFrom(
      'token',
      'invalidate',
      'describe',
      'list',
      'register',
      'unknown',
      'push',
      'push',
      'componentToken',
      'authorizerInvalidate',
      'authorizerDescribe',
      'authorize',
      'callback',
    ),
    push: pushInput,
    authorizeQuery,
    callbackQuery,
    pushTarget: fc.oneof(
      fc.constant(componentAppid),
      appidArb.map((id) => id ?? 'wxnotacomponent'),
    ),
    pushType: fc.constantFrom(
      'text/xml',
      'application/xml',
      'text/plain',
      'application/json',
      'application/octet-stream',
    ),
    method: fc.constantFrom<'GET' | 'POST'>('GET', 'POST'),
    platform,
    appid: appidArb,
    query,
    auth: authHeaders,
    extra: extraHeaders,
    contentType,
    body,
  })
  .map((fields) => {
    const {
      route,
      method,
      platform,
      appid: id,
      query,
      auth,
      extra,
      contentType,
      body,
      push,
      pushTarget,
      pushType,
    } = fields;
    const app = id ?? appid;
    if (route === 'push') {
      // Pushes carry no API key (the platform signature authenticates them); some callers send one anyway.
      return {
        method: 'POST' as const,
        path: `/v1/push/wechat/${pushTarget}${push.query}`,
        headers: { ...extra, 'content-type': pushType },
        body: push.body,
        push: true,
        ignorable: push.ignorable,
        public: 'push' as const,
      };
    }
    if (route === 'authorize' || route === 'callback') {
      const base = `/v1/authorize/${id === null ? 'wechat' : platform}/${pushTarget}`;
      return {
        method: 'GET' as const,
        path: route === 'authorize' ? `${base}${fields.authorizeQuery}` : `${base}/callback${fields.callbackQuery}`,
        headers: { ...extra },
        push: false,
        public: route,
      };
    }
    const paths: Record<string, [string, 'GET' | 'POST']> = {
      token: [`/v1/tokens/app/${platform}/${app}`, 'GET'],
      invalidate: [`/v1/tokens/app/${platform}/${app}/invalidate`, 'POST'],
      describe: [`/v1/apps/${platform}/${app}`, 'GET'],
      list: ['/v1/apps', 'GET'],
      register: ['/v1/apps', 'POST'],
      unknown: [`/v1/${platform}/${app}`, method],
      componentToken: [`/v1/tokens/component/${platform}/${app}`, 'GET'],
      authorizerInvalidate: [`/v1/tokens/authorizer/${platform}/${componentAppid}/${app}/invalidate`, 'POST'],
      authorizerDescribe: [`/v1/components/${platform}/${componentAppid}/authorizers/${app}`, 'GET'],
    };
    const [path, routeMethod] = paths[route]!;
    const headers: Record<string, string> = { ...extra, ...auth };
    // A GET with a body is allowed by HTTP but not sent by undici; bodies go with POSTs.
    if (routeMethod === 'POST' && body !== undefined) headers['content-type'] = contentType;
    return {
      method: routeMethod,
      path: `${path}${query}`,
      headers,
      body: routeMethod === 'POST' ? body : undefined,
      push: false,
    };
  });

function presentsValidKey(headers: Record<string, string>): boolean {
  const bearer = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(headers.authorization ?? '')?.[1];
  return validKeys.has(bearer ?? '') || (!headers.authorization && validKeys.has((headers['x-api-key'] ?? '').trim()));
}

async function send(req: Input): Promise<{ status: number; code?: string }> {
  const res = await pool.request({ method: req.method, path: req.path, headers: req.headers, body: req.body });
  const text = await res.body.text();
  if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${req.method} ${req.path.slice(0, 200)}: ${text}`);
  if (req.push && res.statusCode < 400) {
    if (!req.ignorable) throw new Error(`push accepted: ${req.path.slice(0, 200)}`);
    return { status: res.statusCode };
  }
  if (req.public === 'callback' && res.statusCode < 400) {
    // Junk at the callback gets the generic answer and starts no exchange.
    if (res.statusCode !== 202 || text !== '{"status":"processing"}') {
      throw new Error(`callback answered ${res.statusCode} ${text.slice(0, 200)} for ${req.path.slice(0, 200)}`);
    }
    return { status: res.statusCode };
  }
  if (res.statusCode === 429 && req.public && !res.headers['retry-after']) throw new Error('429 without Retry-After');
  if (res.statusCode < 400 && !presentsValidKey(req.headers)) {
    throw new Error(`${res.statusCode} without a valid key for ${req.method} ${req.path.slice(0, 200)}`);
  }
  if (res.statusCode >= 400) {
    // Every refusal is the gateway's JSON error shape, echoing no presented key.
    const parsed = JSON.parse(text) as { error?: { code?: unknown } };
    if (typeof parsed.error?.code !== 'string') throw new Error(`bad error body ${text.slice(0, 200)}`);
    for (const key of validKeys) if (text.includes(key)) throw new Error('API key echoed in a response');
    // Public routes refuse in generic words, whatever was presented. A junk platform matches no
    // route (401 without a key, 404 with one), and the router's own refusals echo nothing either.
    const message = (parsed.error as { message?: unknown }).message;
    const routerAnswer =
      [401, 404].includes(res.statusCode) || /^(malformed request|path parameter too long)$/.test(String(message));
    if (req.public && !routerAnswer && message !== genericMessage(res.statusCode)) {
      throw new Error(`public route refusal not generic: ${text.slice(0, 200)}`);
    }
    return { status: res.statusCode, code: parsed.error.code };
  }
  return { status: res.statusCode };
}

async function historyLength(): Promise<number> {
  const history = await appHandle(stack.client, { kind: 'app', platform: 'wechat', appid }).fetchHistory();
  return history.events?.length ?? 0;
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

it('answers 10,000 random and malformed requests with 4xx only, signals nothing, and stays flat in memory', async () => {
  const workflowsBefore = (await stack.client.workflow.count()).count;
  const eventsBefore = await historyLength();
  const statuses = new Map<number, number>();
  const pushes = new Map<string, number>();
  const publicStatuses = new Map<string, number>();
  const run = (numRuns: number, seed: number) =>
    fc.assert(
      fc.asyncProperty(input, async (req) => {
        const { status, code } = await send(req);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (req.push && code) pushes.set(code, (pushes.get(code) ?? 0) + 1);
        if (req.public)
          publicStatuses.set(`${req.public} ${status}`, (publicStatuses.get(`${req.public} ${status}`) ?? 0) + 1);
      }),
      { numRuns, seed, endOnFailure: true },
    );

  await run(2_000, 1); // warm-up: JIT, connection pool, TokenClient and fastify caches
  const heapBefore = heapAfterGc();
  await run(8_000, 2);
  const growth = heapAfterGc() - heapBefore;

  expect(growth).toBeLessThan(16 * 1024 * 1024);
  // The spread of answers shows the inputs reached validation, auth and the routes alike.
  for (const status of [200, 400, 401, 403, 404, 413, 415]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
  expect([...statuses.keys()].every((status) => status < 500)).toBe(true);
  // Signed pushes reached the checks past the signature, each refused by its own.
  for (const code of ['push_bad_signature', 'push_stale_timestamp', 'push_wrong_trailer', 'push_bad_envelope']) {
    expect(pushes.get(code) ?? 0).toBeGreaterThan(0);
  }

  // The public routes were reached and crossed their limits; junk callbacks got the generic 202.
  const expected = ['push 429', 'authorize 429', 'callback 429', 'callback 202', 'authorize 400', 'callback 400'];
  expect(expected.filter((seen) => !publicStatuses.get(seen))).toEqual([]);

  // Still serving, and no workflow was started, signalled or updated.
  const health = await pool.request({ method: 'GET', path: '/healthz' });
  expect(health.statusCode).toBe(200);
  await health.body.dump();
  expect((await stack.client.workflow.count()).count).toBe(workflowsBefore);
  expect(await historyLength()).toBe(eventsBefore);
});
