/**
 * The load generator of the read benchmarks, always its own OS process so it never shares a CPU
 * budget with what it measures. Reads with autocannon; with `paths`, each request picks one at
 * random (uniform reads across a fleet). Checks every answer's expiry, and with `businessUrl`
 * every `businessEvery`-th token against the sandbox's business API. Prints one JSON line.
 *
 *   node --import tsx bench/load-generator.ts options.json
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { request } from 'undici';

export interface LoadOptions {
  baseUrl: string;
  /** Request paths; one is picked at random per request. */
  paths: string[];
  connections: number;
  durationSeconds: number;
  headers?: Record<string, string>;
  /** Sandbox URL: check sampled tokens against its WeChat business API. */
  businessUrl?: string;
  businessEvery?: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  expiredServed: number;
  businessChecks: number;
  businessRejected: number;
}

async function main() {
  // A file, not an argument: a fleet's paths outgrow the command line.
  const options = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadOptions;
  let expiredServed = 0;
  let answered = 0;
  const sampled: string[] = [];
  const every = options.businessEvery ?? 100;
  const result = await autocannon({
    url: options.baseUrl,
    connections: options.connections,
    duration: options.durationSeconds,
    headers: options.headers,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          path: options.paths[Math.floor(Math.random() * options.paths.length)]!,
        }),
        onResponse: (status, body) => {
          if (status !== 200) return;
          const parsed = JSON.parse(body) as { access_token?: string; expires_at?: string };
          if (parsed.expires_at && Date.parse(parsed.expires_at) <= Date.now()) expiredServed++;
          if (options.businessUrl && parsed.access_token && answered++ % every === 0) sampled.push(parsed.access_token);
        },
      },
    ],
  });
  let businessRejected = 0;
  for (const token of sampled) {
    const url = new URL('/cgi-bin/getcallbackip', options.businessUrl);
    url.searchParams.set('access_token', token);
    const answer = (await (await request(url)).body.json()) as { errcode?: number };
    if (answer.errcode) businessRejected++;
  }
  const out: LoadResult = {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    expiredServed,
    businessChecks: sampled.length,
    businessRejected,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
