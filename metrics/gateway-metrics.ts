/**
 * The gateway's metrics: requests by route pattern (never the raw URL, which may carry a
 * signature or code) and status with a latency histogram, `GET /metrics` (`metrics` scope: open when
 * no API keys are configured), and the fleet scanner for the fleet-wide gauges.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Histogram } from 'prom-client';
import { metricsText, METRICS_CONTENT_TYPE } from './exposition';
import { FleetScanner } from './fleet-scan';
import { registry } from './registry';

export const httpRequestsTotal = new Counter({
  name: 'token_central_http_requests_total',
  help: 'Gateway requests by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

export const httpRequestDuration = new Histogram({
  name: 'token_central_http_request_duration_seconds',
  help: 'Gateway request latency by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export interface GatewayMetricsOptions {
  /** Lists the fleet for the fleet gauges every `fleetScanIntervalMs` (0 or absent: no scan). */
  client?: Client;
  taskQueue?: string;
  fleetScanIntervalMs?: number;
  /** The Temporal SDK exporter of a worker in this process (`--role all`), merged into /metrics. */
  temporalMetricsUrl?: string;
}

export const gatewayMetricsPlugin = fp(async (app: FastifyInstance, options: GatewayMetricsOptions) => {
  app.addHook('onResponse', async (request, reply) => {
    // Unmatched requests (404s, probes) share one label: raw paths would be unbounded.
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    httpRequestsTotal.inc(labels);
    httpRequestDuration.observe(labels, reply.elapsedTime / 1000);
  });

  app.get('/metrics', { config: { scope: 'metrics' } }, async (_request, reply) => {
    const text = await metricsText({ temporalMetricsUrl: options.temporalMetricsUrl });
    return reply.type(METRICS_CONTENT_TYPE).send(text);
  });

  if (options.client && options.taskQueue && (options.fleetScanIntervalMs ?? 0) > 0) {
    const scanner = new FleetScanner(options.client, options.taskQueue, options.fleetScanIntervalMs!);
    app.addHook('onReady', async () => scanner.start());
    app.addHook('onClose', async () => scanner.stop());
  }
});
