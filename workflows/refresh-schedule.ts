/**
 * When to refresh. Pure functions of the token's lifetime, so a 7200 s token and a 7 s sandbox
 * token are both refreshed ahead, and thousands of apps spread out instead of refreshing at once.
 */

/** A stable fraction in [0, 1) per credential id (FNV-1a), so each app keeps its own offset. */
export function jitterFraction(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 0x1_0000_0000;
}

export interface RefreshPolicy {
  /** Refresh this fraction of the lifetime before expiry… */
  marginFraction: number;
  /** …plus up to this fraction more, per credential. */
  jitterFraction: number;
}

/** Tokens minted on every call: refresh ~20-25 % ahead, leaving room for retries before expiry. */
export const MINTING_POLICY: RefreshPolicy = { marginFraction: 0.2, jitterFraction: 0.05 };

/**
 * WeChat stable_token in normal mode hands out the same token until its last 5 minutes of 7200 s
 * (4.2 %), so a refresh must fall inside that window: 2.5-3.5 % of the lifetime before expiry.
 */
export const STABLE_WINDOW_POLICY: RefreshPolicy = { marginFraction: 0.025, jitterFraction: 0.01 };

export function refreshAt(
  token: { expiresAt: number; lifetimeMs: number },
  policy: RefreshPolicy,
  credentialId: string,
): number {
  const margin = token.lifetimeMs * (policy.marginFraction + policy.jitterFraction * jitterFraction(credentialId));
  return token.expiresAt - margin;
}

/**
 * Backoff after a failed refresh: exponential from 1 s, capped at 5 % of the lifetime (at least 1 s),
 * so a sandbox token with seconds to live is retried within its life and a real one does not storm.
 * Each credential's delay is spread over ±25 % (a fixed draw per credential and attempt), so after
 * an upstream outage a fleet does not retry at the same moments.
 */
export function retryDelayMs(
  consecutiveFailures: number,
  lifetimeMs: number,
  category: string,
  credentialId: string,
): number {
  const base = category === 'quota_exhausted' ? 10_000 : 1_000;
  const cap = Math.max(base, lifetimeMs * (category === 'quota_exhausted' ? 0.25 : 0.05));
  const delay = Math.min(cap, base * 2 ** Math.max(0, consecutiveFailures - 1));
  return Math.round(delay * (0.75 + 0.5 * jitterFraction(`${credentialId}#${consecutiveFailures}`)));
}

export const FORCE_REFRESH_DAILY_LIMIT = 20;
export const FORCE_REFRESH_MIN_GAP_MS = 30_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** WeChat's force_refresh rule: at most 20 a day, at least 30 s apart. Returns when it is allowed. */
export function nextForceRefreshAllowedAt(previousForces: readonly number[], now: number): number | 'exhausted' {
  const today = previousForces.filter((at) => at > now - DAY_MS);
  if (today.length >= FORCE_REFRESH_DAILY_LIMIT) return 'exhausted';
  const last = Math.max(-Infinity, ...today);
  return Math.max(now, last + FORCE_REFRESH_MIN_GAP_MS);
}

/** Keeps only the force-refresh timestamps that still count against the daily limit. */
export function recentForces(previousForces: readonly number[], now: number): number[] {
  return previousForces.filter((at) => at > now - DAY_MS);
}
