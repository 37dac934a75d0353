/**
 * The one Prometheus registry of a token-central process. Each metrics module registers its own
 * metrics here when imported; a process serves whichever it imported (the gateway's, the worker's,
 * or both with `--role all`). Metric names start with `token_central_`.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

export const registry = new Registry();
// Process CPU, memory, event-loop lag and GC, under prom-client's standard names.
collectDefaultMetrics({ register: registry });
