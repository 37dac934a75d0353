/**
 * Per-key rate limits (gateway/plugins/rate-limit.ts): a token bucket per API key — a burst, then
 * a steady refill — so one noisy service is answered 429 with Retry-After while other keys go on
 * being served. Through the gateway with a stub TokenClient and a clock the test moves.
 */
import { generateApiKey } from '../../../gateway/plugins/auth';
import { TokenBuckets } from '../../../gateway/plugins/rate-limit';
import type { ApiKeyConfig } from '../../../config/config';
import {
  bearer,
  gatewayRequest,
  recordingTokenClient,
  startStubGateway,
  type StubGateway,
} from '../../harness/stub-gateway';

const reader = generateApiKey();
const limited = generateApiKey();
const apiKeys: ApiKeyConfig[] = [
  { name: 'reader', hash: reader.hash, scopes: ['read'] },
  { name: 'limited', hash: limited.hash, scopes: ['read'], rateLimit: { burst: 3, perSecond: 1 } },
];

let now = 1_000_000;
let gateway: StubGateway;
beforeAll(async () => {
  gateway = await startStubGateway(recordingTokenClient([]), {
    apiKeys,
    rateLimit: { burst: 1000, perSecond: 1000 },
    now: () => now,
  });
});
afterAll(() => gateway.close());

const get = (url: string, headers: Record<string, string> = {}) => gatewayRequest(gateway.url, 'GET', url, headers);

describe('per-key rate limit through the gateway', () => {
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

describe('token buckets', () => {
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
