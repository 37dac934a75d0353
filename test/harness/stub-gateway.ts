/**
 * The HTTP gateway in front of a stub TokenClient, for unit tests of the gateway's own rules (who
 * gets through, what an answer looks like) without Temporal. Real HTTP on a free loopback port:
 * fastify.inject pulls in an ESM-only module that jest cannot load.
 */
import type { Client } from '@temporalio/client';
import { request } from 'undici';
import type { TokenClient } from '../../client/token-client';
import { buildGateway } from '../../gateway/app';
import type { AuthOptions } from '../../gateway/plugins/auth';

export interface StubGateway {
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

/** A gateway answering from `tokens`; open unless `auth` configures API keys. */
export async function startStubGateway(tokens: TokenClient, auth?: AuthOptions): Promise<StubGateway> {
  const gateway = buildGateway({ client: {} as Client, tokens, taskQueue: 'unused', auth });
  const url = await gateway.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => gateway.close() };
}

/**
 * A TokenClient that always has a token (`tok`, and `tok2` after a report) and records each call in
 * `served` as `get|invalidate|describe <appid>`: what a test checks is who got through.
 */
export function recordingTokenClient(served: string[]): TokenClient {
  return {
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
}

export interface Reply {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json(): { error: { code: string; message: string } } & Record<string, unknown>;
}

/** One request to `origin`; a `payload` is sent as JSON. */
export async function gatewayRequest(
  origin: string,
  method: 'GET' | 'POST' | 'HEAD',
  url: string,
  headers: Record<string, string> = {},
  payload?: unknown,
): Promise<Reply> {
  const res = await request(`${origin}${url}`, {
    method,
    headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: payload === undefined ? undefined : JSON.stringify(payload),
  });
  const body = method === 'HEAD' ? '{}' : await res.body.text();
  return { statusCode: res.statusCode, headers: res.headers, body, json: () => JSON.parse(body) };
}

export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
