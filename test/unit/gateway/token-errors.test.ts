/**
 * The gateway's token routes around what TokenClient answers: a token whose expiry has passed is
 * never sent (503 token_unavailable with the status), and Temporal refusing a call as
 * RESOURCE_EXHAUSTED (too many in-flight updates on one workflow) is a 503 with Retry-After, not a
 * 500. The TokenClient is a stub.
 */
import { ServiceError } from '@temporalio/client';
import { request } from 'undici';
import { BUSY_RETRY_AFTER_SECONDS, isResourceExhausted } from '../../../gateway/errors';
import type { TokenClient } from '../../../client/token-client';
import { startStubGateway, type StubGateway } from '../../harness/stub-gateway';

let answer: () => Promise<unknown>;
const stubTokens = {
  getToken: () => answer(),
  reportInvalid: () => answer(),
} as unknown as TokenClient;

let gateway: StubGateway;
beforeAll(async () => {
  gateway = await startStubGateway(stubTokens);
});
afterAll(() => gateway.close());

async function call(method: 'GET' | 'POST') {
  const path = `/v1/tokens/app/wechat/wxunit00000000001${method === 'POST' ? '/invalidate' : ''}`;
  const res = await request(`${gateway.url}${path}`, {
    method,
    headers: method === 'POST' ? { 'content-type': 'application/json' } : {},
    body: method === 'POST' ? JSON.stringify({ access_token: 'rejected-token' }) : undefined,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
  return { status: res.statusCode, headers: res.headers, body: (await res.body.json()) as any };
}

function resourceExhausted(): ServiceError {
  const grpc = Object.assign(new Error('namespace rate limit exceeded'), { code: 8, details: 'too many updates' });
  return new ServiceError('Failed to issue update', { cause: grpc });
}

it('never sends a token whose expiry has passed', async () => {
  answer = async () => ({ accessToken: 'old', expiresAt: Date.now() - 1, version: 3 });
  for (const method of ['GET', 'POST'] as const) {
    const res = await call(method);
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: 'token_unavailable', status: 'expired' });
    expect(JSON.stringify(res.body)).not.toContain('old');
  }
  answer = async () => ({ accessToken: 'live', expiresAt: Date.now() + 90_500, version: 4 });
  const live = (await call('GET')).body;
  expect(live).toMatchObject({ access_token: 'live', version: 4 });
  expect(live.expires_in).toBeGreaterThanOrEqual(89);
  expect(live.expires_in).toBeLessThanOrEqual(90);
});

it('answers a RESOURCE_EXHAUSTED refusal with 503 and Retry-After', async () => {
  answer = async () => {
    throw resourceExhausted();
  };
  for (const method of ['GET', 'POST'] as const) {
    const res = await call(method);
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe(String(BUSY_RETRY_AFTER_SECONDS));
    expect(res.body.error.code).toBe('temporal_busy');
  }
  // Other failures stay 500, with nothing of the cause in the answer.
  answer = async () => {
    throw new ServiceError('Failed', { cause: Object.assign(new Error('boom'), { code: 14 }) });
  };
  const other = await call('GET');
  expect(other.status).toBe(500);
  expect(JSON.stringify(other.body)).not.toContain('boom');
});

it('recognises RESOURCE_EXHAUSTED however deep the SDK wrapped it', () => {
  expect(isResourceExhausted(resourceExhausted())).toBe(true);
  expect(isResourceExhausted({ code: 8 })).toBe(true);
  expect(isResourceExhausted(new Error('x', { cause: new Error('y', { cause: { code: 8 } }) }))).toBe(true);
  expect(isResourceExhausted(new Error('plain'))).toBe(false);
  expect(isResourceExhausted(undefined)).toBe(false);
});
