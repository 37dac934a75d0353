/**
 * JSON over HTTP for platform adapters. Transport problems become `retry_later` PlatformErrors
 * whose messages never include the URL (token APIs put secrets and tokens in query strings).
 * Every failure after the request may have left is `ambiguous` (docs/architecture.md, exactly-once
 * rules): only a connection that never opened is not.
 */
import { request } from 'undici';
import { PlatformError } from './errors';

export interface HttpOptions {
  /** Whole-request timeout. Must stay below the activity's start-to-close timeout. */
  timeoutMs: number;
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

export async function requestJson(
  platform: string,
  url: URL,
  init: {
    method: 'GET' | 'POST';
    json?: unknown;
    headers?: Record<string, string>;
    /** Return a 5xx whose body is JSON (the adapter recognises a definite "busy" answer in it). */
    jsonServerErrors?: boolean;
  },
  options: HttpOptions,
): Promise<JsonResponse> {
  let status: number;
  let text: string;
  try {
    const response = await request(url, {
      method: init.method,
      headers: { ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
      body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    throw new PlatformError({
      platform,
      category: 'retry_later',
      code: timedOut ? 'timeout' : 'network',
      message: timedOut ? `no answer within ${options.timeoutMs} ms` : describeTransportError(err),
      ambiguous: timedOut || !neverSent(err),
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    if (status >= 500) throw httpError(platform, status);
    // The platform received the request and answered something unreadable: it may have acted on it.
    throw new PlatformError({
      platform,
      category: 'retry_later',
      code: 'malformed',
      message: `HTTP ${status}, not JSON`,
      ambiguous: true,
    });
  }
  if (status >= 500 && !init.jsonServerErrors) throw httpError(platform, status);
  return { status, body };
}

/** `path` on `baseUrl` with `query` set (token APIs take their tokens and secrets there). */
export function urlWithQuery(baseUrl: string, path: string, query: Readonly<Record<string, string>> = {}): URL {
  const url = new URL(path, baseUrl);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  return url;
}

export function httpError(platform: string, status: number) {
  return new PlatformError({
    platform,
    category: 'retry_later',
    code: `http_${status}`,
    message: `HTTP ${status}`,
    ambiguous: true,
  });
}

/** Errors raised before a connection existed: the platform cannot have seen the request. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function neverSent(err: unknown): boolean {
  const code = (err as { code?: unknown; cause?: { code?: unknown } })?.code;
  const causeCode = (err as { cause?: { code?: unknown } })?.cause?.code;
  return NOT_SENT_CODES.has(String(code)) || NOT_SENT_CODES.has(String(causeCode));
}

function describeTransportError(err: unknown): string {
  if (!(err instanceof Error)) return 'transport error';
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}
