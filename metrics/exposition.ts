/**
 * The /metrics text: this process's registry, followed by the Temporal SDK's own metrics where the
 * process runs a worker. The SDK (Rust core) serves those from its Prometheus exporter on a
 * loopback port; merging them here gives operators one scrape target per process.
 */
import { createServer, type Server } from 'node:http';
import { request } from 'undici';
import { registry } from './registry';

export const METRICS_CONTENT_TYPE = registry.contentType;

export interface ExpositionOptions {
  /** The SDK exporter's URL (http://127.0.0.1:<port>/metrics), when this process runs a worker. */
  temporalMetricsUrl?: string;
}

export async function metricsText(options: ExpositionOptions = {}): Promise<string> {
  const own = await registry.metrics();
  if (!options.temporalMetricsUrl) return own;
  try {
    const response = await request(options.temporalMetricsUrl, { signal: AbortSignal.timeout(2_000) });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
    return `${own}\n${text}`;
  } catch (err) {
    return `${own}\n# Temporal SDK metrics unavailable: ${(err as Error).message}\n`;
  }
}

/** A /metrics server for a process without a gateway (`--role worker`). */
export async function startMetricsServer(options: ExpositionOptions & { host: string; port: number }): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    metricsText(options).then(
      (text) => res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Temporal SDK metrics the shipped dashboard uses (the SDK's names, not ours); the metrics
 * integration test checks a real worker exports each of them.
 */
export const TEMPORAL_SDK_METRICS_USED = [
  'temporal_workflow_task_schedule_to_start_latency',
  'temporal_worker_task_slots_available',
] as const;
