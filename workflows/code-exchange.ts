/**
 * What a failed authorization-code exchange means (pure, unit-tested; docs/architecture.md,
 * exactly-once rules). A code works once, so the exchange activity makes one attempt
 * (`SINGLE_USE_CALL`) and the auth-code workflow decides from this:
 *
 * - `retry`: the code was certainly not consumed — nothing was sent (no component token yet, a
 *   connection that never opened, no time left in the attempt) or the platform answered without
 *   acting (busy, quota, our component token rejected). The same code goes again after `delayMs`,
 *   while it can still be valid.
 * - `recover`: the outcome is ambiguous — sent, answer lost or unreadable, the attempt timed out
 *   (e.g. the worker died), or a failure of unknown kind — so the code may be consumed and is never
 *   sent again. Douyin/Baidu retrieve a fresh code, WeChat reads the authorizer list.
 * - `fail`: the platform answered definitively (code rejected, configuration): nothing to retry.
 */
import type { TpPlatform } from './tp-platforms';

/** What the workflow knows about a failed exchange attempt. */
export interface ExchangeFailure {
  /** The adapter classified it (`PlatformError`); otherwise `code` is the failure's type. */
  platformError: boolean;
  category: string;
  code: string;
  ambiguous?: boolean;
  activityTimeout?: boolean;
}

export type ExchangeDecision = { next: 'retry'; delayMs: number } | { next: 'recover' } | { next: 'fail' };

/** Failure types raised before anything was sent (activities/tp.ts). */
const NOT_SENT_TYPES: ReadonlySet<string> = new Set(['ComponentTokenUnavailable']);
/** Platform answers that say nothing was done with the code. */
const NOT_CONSUMED_CATEGORIES: ReadonlySet<string> = new Set([
  'retry_later',
  'quota_exhausted',
  'token_invalid',
  'ticket_invalid',
]);

/** How long a code lives (docs/platforms.md: WeChat 600 s, Douyin and Baidu 3600 s): retries stop there. */
export const AUTH_CODE_LIFETIME_MS: Readonly<Record<TpPlatform, number>> = {
  wechat: 600_000,
  douyin: 3_600_000,
  baidu: 3_600_000,
};

const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/** Backoff before retry number `attempt` (1-based): 1 s doubling, capped at 30 s. */
export function exchangeRetryDelayMs(attempt: number): number {
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1));
}

/**
 * The decision after failed attempt number `attempt` (1-based), `elapsedMs` after the code arrived.
 * A retry that would start after the code's lifetime is a `fail`: the code cannot work any more.
 */
export function decideExchangeFailure(
  failure: ExchangeFailure,
  attempt: number,
  elapsedMs: number,
  platform: TpPlatform,
): ExchangeDecision {
  if (failure.activityTimeout || failure.ambiguous) return { next: 'recover' };
  const certainlyNotConsumed = failure.platformError
    ? NOT_CONSUMED_CATEGORIES.has(failure.category)
    : NOT_SENT_TYPES.has(failure.code);
  if (!certainlyNotConsumed) return failure.platformError ? { next: 'fail' } : { next: 'recover' };
  const delayMs = exchangeRetryDelayMs(attempt);
  return elapsedMs + delayMs < AUTH_CODE_LIFETIME_MS[platform] ? { next: 'retry', delayMs } : { next: 'fail' };
}
