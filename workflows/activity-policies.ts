/**
 * Activity options as named policies: which calls Temporal may repeat, and for how long an attempt
 * may run. Spread one into `executeWithOptions` with a `summary` for the Web UI.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import { SINGLE_USE_ACTIVITY_TIMEOUT_MS } from './tp-platforms';

/**
 * A platform call whose failures the workflow handles (its backoff, its recovery): one attempt.
 * The adapters' HTTP timeout (10 s) stays below the attempt, so an attempt never outlives its request.
 */
export const PLATFORM_CALL = {
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 1 },
} as const satisfies ActivityOptions;

/**
 * A call spending something that works once (a Douyin/Baidu refresh token, any authorization code,
 * a code retrieval): one attempt, which the adapter's single-use HTTP timeout ends well before
 * (tp-platforms.ts). Only the workflow retries, when nothing was consumed (code-exchange.ts,
 * refresh-token-recovery.ts).
 */
export const SINGLE_USE_CALL = {
  startToCloseTimeout: SINGLE_USE_ACTIVITY_TIMEOUT_MS,
  retry: { maximumAttempts: 1 },
} as const satisfies ActivityOptions;

/** Safe to repeat (a grant handed to its authorizer's workflow, a read-only lookup): retried with backoff. */
export const IDEMPOTENT_CALL = {
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 20, initialInterval: '1s', maximumInterval: '10s' },
} as const satisfies ActivityOptions;
