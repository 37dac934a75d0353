/**
 * TokenClient's reads and reports (the gateway's, or any process that passes this observer): the
 * read cache's hits and misses, and passive reports by what they led to.
 */
import { Counter } from 'prom-client';
import type { TokenClientObserver } from '../client/token-client';
import { registry } from './registry';

export const tokenReadsTotal = new Counter({
  name: 'token_central_token_reads_total',
  help: 'Token reads through TokenClient by cache result (hit: served from the cache; miss: read from Temporal)',
  labelNames: ['result'] as const,
  registers: [registry],
});

export const tokenReportsTotal = new Counter({
  name: 'token_central_token_reports_total',
  help:
    'Passive reports of a rejected token by outcome: refreshed (the report led to a new token), unchanged ' +
    '(the workflow kept the token), superseded (already replaced, answered from the cache), not_current, failed',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

export const readMetricsObserver: TokenClientObserver = {
  read: (hit) => tokenReadsTotal.inc({ result: hit ? 'hit' : 'miss' }),
  report: (outcome) => tokenReportsTotal.inc({ outcome }),
};
