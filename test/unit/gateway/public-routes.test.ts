/**
 * The public routes defend themselves (gateway/plugins/rate-limit.ts, public-errors.ts,
 * routes/authorize.ts, authorization-state.ts): pushes and authorization links are rate-limited per
 * client address and per component with 429 + Retry-After; refusals carry a generic message, never
 * what was presented; an authorization link only sends merchants back to the gateway's own origin
 * or a configured one, with a signed state; the callback exchanges a code only with a valid state,
 * else answers the generic `processing` and starts nothing. Through real HTTP, with a recording
 * Temporal client stub and a stub platform answering pre-auth codes.
 */
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { createKeyRing } from '../../../codec/codec';
import { configSchema, type ComponentConfig } from '../../../config/config';
import { buildGateway, type GatewayOptions } from '../../../gateway/app';
import { AuthorizationStateSigner, stateKeyFromSecret, stateKeysFromRing } from '../../../gateway/authorization-state';
import { TokenBuckets } from '../../../gateway/plugins/rate-limit';
import { recordingTokenClient } from '../../harness/stub-gateway';

const componentAppid = 'wxpubliccomp01';
const component: ComponentConfig = {
  platform: 'wechat',
  componentAppid,
  secret: { env: 'PUB_SECRET' },
  token: { env: 'PUB_TOKEN' },
  encodingAESKey: { env: 'PUB_AES' },
};
const env = { PUB_SECRET: 's', PUB_TOKEN: 't', PUB_AES: 'a'.repeat(43) };

/** Workflow starts the gateway asked of Temporal (authorization-code exchanges). */
const started: string[] = [];
const recordingClient = {
  workflow: {
    start: async (_workflow: unknown, options: { workflowId: string }) => {
      started.push(options.workflowId);
      return { workflowId: options.workflowId };
    },
    getHandle: () => ({ result: async () => ({ authorizerAppid: 'wxauthorized01', funcInfo: [1] }) }),
  },
} as unknown as Client;

let platform: FastifyInstance;
let platformUrl: string;
const gateways: FastifyInstance[] = [];

beforeAll(async () => {
  platform = Fastify();
  platform.post('/cgi-bin/component/api_create_preauthcode', async () => ({
    pre_auth_code: 'preauth@@@1',
    expires_in: 600,
  }));
  platformUrl = await platform.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await platform.close();
});

async function startGateway(options: Partial<GatewayOptions> = {}): Promise<string> {
  const gateway = buildGateway({
    client: recordingClient,
    tokens: recordingTokenClient([]),
    taskQueue: 'unused',
    components: [component],
    env,
    wechatBaseUrl: platformUrl,
    ...options,
  });
  gateways.push(gateway);
  return gateway.listen({ host: '127.0.0.1', port: 0 });
}

async function call(
  url: string,
  init: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> } = {},
) {
  const res = await request(url, {
    method: init.method ?? 'GET',
    body: init.body,
    headers: init.headers ?? (init.body ? { 'content-type': 'text/xml' } : {}),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

const push = (origin: string, target = componentAppid) =>
  call(`${origin}/v1/push/wechat/${target}?timestamp=1&nonce=1&msg_signature=x`, {
    method: 'POST',
    body: '<xml><Encrypt>junk</Encrypt></xml>',
  });

describe('rate limits of the public routes', () => {
  it('limits pushes per client address: 429 with Retry-After once the burst is spent', async () => {
    const origin = await startGateway({
      publicRateLimits: {
        push: { perAddress: { burst: 3, perSecond: 0.001 }, perComponent: { burst: 100, perSecond: 100 } },
      },
    });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await push(origin, `wxcomponent00${i}`)).status);
    expect(statuses).toEqual([404, 404, 404]);
    const limited = await push(origin, 'wxcomponent009');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(limited.json()).toEqual({ error: { code: 'rate_limited', message: 'too many requests' } });
    // Authorization links are another group with their own buckets.
    expect((await call(`${origin}/v1/authorize/wechat/${componentAppid}?format=json`)).status).toBe(200);
  });

  it('limits pushes per component across addresses, leaving other components served', async () => {
    const origin = await startGateway({
      publicRateLimits: {
        push: { perAddress: { burst: 100, perSecond: 100 }, perComponent: { burst: 2, perSecond: 0.001 } },
      },
    });
    expect((await push(origin)).status).toBe(400);
    expect((await push(origin)).status).toBe(400);
    expect((await push(origin)).status).toBe(429);
    expect((await push(origin, 'wxothercomp01')).status).toBe(404);
  });

  it('limits authorization links and callbacks together per component', async () => {
    const origin = await startGateway({
      publicRateLimits: {
        authorize: { perAddress: { burst: 100, perSecond: 100 }, perComponent: { burst: 2, perSecond: 0.001 } },
      },
    });
    expect((await call(`${origin}/v1/authorize/wechat/${componentAppid}?format=json`)).status).toBe(200);
    expect((await call(`${origin}/v1/authorize/wechat/${componentAppid}/callback?auth_code=c1`)).status).toBe(202);
    expect((await call(`${origin}/v1/authorize/wechat/${componentAppid}?format=json`)).status).toBe(429);
  });

  it('are configured per group in gateway.publicRateLimits; an unset group keeps its defaults', async () => {
    const { gateway } = configSchema.parse({
      gateway: {
        publicRateLimits: { push: { perAddress: { burst: 1, perSecond: 0.001 }, perComponent: { burst: 9 } } },
      },
    });
    expect(gateway.publicRateLimits.authorize).toBeUndefined();
    expect(gateway.authorization).toEqual({ stateTtlSeconds: 3600, redirectOrigins: [] });
    expect(() => configSchema.parse({ gateway: { publicRateLimits: { pushes: {} } } })).toThrow();
    const origin = await startGateway({ publicRateLimits: gateway.publicRateLimits });
    expect((await push(origin, 'wxcomponent001')).status).toBe(404);
    expect((await push(origin, 'wxcomponent002')).status).toBe(429);
    expect((await call(`${origin}/v1/authorize/wechat/${componentAppid}?format=json`)).status).toBe(200);
  });

  it('keeps at most maxKeys buckets, dropping the least recently used', () => {
    const buckets = new TokenBuckets(() => 0, 2);
    const one = { burst: 1, perSecond: 0.001 };
    expect(buckets.take('a', one).ok).toBe(true);
    expect(buckets.take('b', one).ok).toBe(true);
    expect(buckets.take('a', one).ok).toBe(false);
    expect(buckets.take('c', one).ok).toBe(true); // drops b, the least recently used
    expect(buckets.size).toBe(2);
    expect(buckets.take('a', one).ok).toBe(false); // a was kept
    expect(buckets.take('b', one).ok).toBe(true); // b starts full again
  });
});

describe('generic refusals on public routes', () => {
  it('answers with the code and a generic message, echoing nothing the caller sent', async () => {
    const origin = await startGateway();
    const unknown = await push(origin, 'wxsecretprobe01');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ error: { code: 'not_found', message: 'not found' } });
    const malformed = await push(origin);
    expect(malformed.status).toBe(400);
    expect(malformed.json().error.message).toBe('request refused');
    expect(malformed.json()).toEqual({ error: { code: 'push_bad_signature', message: 'request refused' } });
    expect(unknown.text).not.toContain('wxsecretprobe01');
    const noCode = await call(`${origin}/v1/authorize/wechat/${componentAppid}/callback?auth_code=`);
    expect(noCode.status).toBe(400);
    expect(noCode.json()).toEqual({ error: { code: 'bad_request', message: 'request refused' } });
  });
});

describe('authorization links', () => {
  it('send the merchant back only to the public URL origin or a configured one, with a signed state', async () => {
    const origin = await startGateway({
      authorization: { publicUrl: 'https://tc.example.com', redirectOrigins: ['https://merchant.example.com'] },
    });
    const link = async (redirect?: string) => {
      const query = new URLSearchParams({ format: 'json', ...(redirect ? { redirect_uri: redirect } : {}) });
      return call(`${origin}/v1/authorize/wechat/${componentAppid}?${query}`);
    };
    const own = await link();
    expect(own.status).toBe(200);
    const redirectUri = new URL(new URL(own.json().url).searchParams.get('redirect_uri')!);
    expect(`${redirectUri.origin}${redirectUri.pathname}`).toBe(
      `https://tc.example.com/v1/authorize/wechat/${componentAppid}/callback`,
    );
    expect(redirectUri.searchParams.get('state')).toMatch(/^v1\.[\w-]+\.[\w-]+$/);

    expect((await link('https://merchant.example.com/done?x=1')).status).toBe(200);
    for (const refused of [
      'https://evil.example.com/v1/authorize/wechat/x/callback',
      'https://tc.example.com.evil.example/cb',
      'http://tc.example.com/cb',
      'https://tc.example.com:8443/cb',
      'javascript:alert(1)',
    ]) {
      const res = await link(refused);
      expect(res.status).toBe(400);
      expect(res.json()).toEqual({ error: { code: 'redirect_uri_not_allowed', message: 'request refused' } });
    }
  });

  it('exchange a callback code only with a valid state for this component; otherwise start nothing', async () => {
    const key = stateKeyFromSecret('state secret');
    const origin = await startGateway({ authorization: { stateKeys: [key], callbackWaitMs: 1000 } });
    const signer = new AuthorizationStateSigner([key], 60_000);
    const callback = (state?: string) =>
      call(
        `${origin}/v1/authorize/wechat/${componentAppid}/callback?auth_code=code${Math.random()}` +
          (state === undefined ? '' : `&state=${encodeURIComponent(state)}`),
      );
    started.length = 0;
    const now = Date.now();
    const refused = [
      undefined,
      '',
      'v1.e30.AAAA',
      signer.sign({ platform: 'wechat', componentAppid: 'wxothercomp01' }, now),
      signer.sign({ platform: 'douyin', componentAppid }, now),
      new AuthorizationStateSigner([key], 60_000).sign({ platform: 'wechat', componentAppid }, now - 61_000),
      new AuthorizationStateSigner([stateKeyFromSecret('other')], 60_000).sign(
        { platform: 'wechat', componentAppid },
        now,
      ),
    ];
    for (const state of refused) {
      const res = await callback(state);
      expect(res.status).toBe(202);
      expect(res.json()).toEqual({ status: 'processing' });
    }
    expect(started).toEqual([]);

    // The state the link itself carries works.
    const link = await call(`${origin}/v1/authorize/wechat/${componentAppid}?format=json`);
    const state = new URL(new URL(link.json().url).searchParams.get('redirect_uri')!).searchParams.get('state')!;
    const accepted = await callback(state);
    expect(accepted.status).toBe(200);
    expect(accepted.json()).toMatchObject({ status: 'authorized', authorizer_appid: 'wxauthorized01' });
    expect(started).toHaveLength(1);
  });
});

describe('authorization state', () => {
  const claims = { platform: 'baidu', componentAppid: 'bdclient01' };

  it('verifies with every key of the codec ring, signs with the current one, never is the codec key', () => {
    const old = Buffer.alloc(32, 1);
    const current = Buffer.alloc(32, 2);
    const before = new AuthorizationStateSigner(stateKeysFromRing(createKeyRing('k1', [['k1', old]])), 60_000);
    const rotated = stateKeysFromRing(
      createKeyRing('k2', [
        ['k1', old],
        ['k2', current],
      ]),
    );
    const after = new AuthorizationStateSigner(rotated, 60_000);
    expect(after.verify(before.sign(claims, 0), claims, 1)).toEqual({ ok: true });
    expect(before.verify(after.sign(claims, 0), claims, 1)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(rotated.some((key) => key.equals(old) || key.equals(current))).toBe(false);
  });

  it('refuses tampered claims, other components, expired and malformed states', () => {
    const signer = new AuthorizationStateSigner([stateKeyFromSecret('s')], 1000);
    const state = signer.sign(claims, 0);
    const [version, payload, mac] = state.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), e: 9e15 }),
    );
    expect(signer.verify(`${version}.${forged.toString('base64url')}.${mac}`, claims, 1)).toMatchObject({
      reason: 'bad_signature',
    });
    expect(signer.verify(state, { ...claims, componentAppid: 'bdclient02' }, 1)).toMatchObject({
      reason: 'other_component',
    });
    expect(signer.verify(state, claims, 1000)).toMatchObject({ reason: 'expired' });
    for (const bad of [42, 'x', 'v2.a.b', `${state}.x`, 'v1..']) {
      expect(signer.verify(bad, claims, 1).ok).toBe(false);
    }
    expect(signer.verify(state, claims, 999)).toEqual({ ok: true });
  });
});
