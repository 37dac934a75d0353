/**
 * Upstream (platform API) calls by endpoint and answer, observed on undici's diagnostics channels:
 * every platform adapter request goes through undici, so neither platforms/http.ts nor the
 * activities change. Only requests to the platforms' origins count (not webhooks); the endpoint is
 * the path without its query string (token APIs carry secrets and tokens there).
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { Counter, Histogram } from 'prom-client';
import { registry } from './registry';

export const upstreamRequestsTotal = new Counter({
  name: 'token_central_upstream_requests_total',
  help: 'Platform API requests by endpoint (path) and HTTP status, or "error" when no answer came',
  labelNames: ['endpoint', 'status'] as const,
  registers: [registry],
});

export const upstreamRequestDuration = new Histogram({
  name: 'token_central_upstream_request_duration_seconds',
  help: 'Platform API time to response headers by endpoint',
  labelNames: ['endpoint'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

interface UndiciRequest {
  origin?: string | URL;
  path?: string;
}

/** The endpoint label of a request path: no query string. */
export function endpointOf(path: string | undefined): string {
  return (path ?? '/').split('?')[0] || '/';
}

/**
 * Counts requests to `baseUrls`' origins from now on; returns the function that stops. With several
 * platforms behind one origin (the sandbox) the path still tells the endpoints apart.
 */
export function observeUpstreamRequests(baseUrls: readonly string[]): () => void {
  const origins = new Set(baseUrls.map((url) => new URL(url).origin));
  const started = new WeakMap<object, number>();
  // The sandbox's control API (/__sandbox/…) shares its origin in the demo: not a platform call.
  const counted = (request: UndiciRequest) =>
    request.origin !== undefined &&
    origins.has(String(request.origin).replace(/\/$/, '')) &&
    !request.path?.startsWith('/__sandbox');

  const onCreate = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    if (counted(request)) started.set(request, performance.now());
  };
  const finish = (request: UndiciRequest, status: string) => {
    const start = started.get(request);
    if (start === undefined) return;
    started.delete(request);
    const endpoint = endpointOf(request.path);
    upstreamRequestsTotal.inc({ endpoint, status });
    upstreamRequestDuration.observe({ endpoint }, (performance.now() - start) / 1000);
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as { request: UndiciRequest; response: { statusCode: number } };
    finish(request, String(response.statusCode));
  };
  const onError = (message: unknown) => finish((message as { request: UndiciRequest }).request, 'error');

  diagnosticsChannel.subscribe('undici:request:create', onCreate);
  diagnosticsChannel.subscribe('undici:request:headers', onHeaders);
  diagnosticsChannel.subscribe('undici:request:error', onError);
  return () => {
    diagnosticsChannel.unsubscribe('undici:request:create', onCreate);
    diagnosticsChannel.unsubscribe('undici:request:headers', onHeaders);
    diagnosticsChannel.unsubscribe('undici:request:error', onError);
  };
}
