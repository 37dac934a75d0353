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
 * A call spending something that works once (a Douyin/Baidu refresh token, an authorization code):
 * one attempt, which the adapter's single-use HTTP timeout ends well before (tp-platforms.ts).
 */
export const SINGLE_USE_CALL = {
  startToCloseTimeout: SINGLE_USE_ACTIVITY_TIMEOUT_MS,
  retry: { maximumAttempts: 1 },
} as const satisfies ActivityOptions;

/**
 * The first exchange of an authorization code: retried while nothing can have been sent (e.g. the
 * component token is not available yet), never once the platform answered (PlatformError).
 */
export const CODE_EXCHANGE = {
  startToCloseTimeout: '20s',
  retry: {
    maximumAttempts: 30,
    initialInterval: '1s',
    maximumInterval: '10s',
    nonRetryableErrorTypes: ['PlatformError'],
  },
} as const satisfies ActivityOptions;

/** Safe to repeat (a grant handed to its authorizer's workflow, a read-only lookup): retried with backoff. */
export const IDEMPOTENT_CALL = {
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 20, initialInterval: '1s', maximumInterval: '10s' },
} as const satisfies ActivityOptions;
