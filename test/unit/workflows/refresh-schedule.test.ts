/**
 * When to refresh and retry (workflows/refresh-schedule.ts, invariant 2): refresh points spread by
 * per-app jitter, a margin that scales with the lifetime, stable_token force refreshes 30 s apart
 * and 20 a day, exponential backoff capped at 5 % of the lifetime and spread per credential.
 */
import {
  jitterFraction,
  MINTING_POLICY,
  nextForceRefreshAllowedAt,
  refreshAt,
  retryDelayMs,
} from '../../../workflows/refresh-schedule';

describe('refresh schedule', () => {
  it('spreads thousands of apps over the jitter window', () => {
    const fractions = Array.from({ length: 2000 }, (_, i) => jitterFraction(`app/wechat/wx${i}`));
    const buckets = new Array(10).fill(0);
    for (const f of fractions) buckets[Math.floor(f * 10)]++;
    expect(Math.min(...buckets)).toBeGreaterThan(120);
    expect(jitterFraction('app/wechat/wx1')).toBe(jitterFraction('app/wechat/wx1'));
  });

  it('scales the margin with the lifetime: a 7 s token is refreshed ahead like a 7200 s one', () => {
    for (const lifetimeMs of [7_200_000, 7_200]) {
      const at = refreshAt({ expiresAt: 10 * lifetimeMs, lifetimeMs }, MINTING_POLICY, 'app/wechat/wx1');
      const aheadFraction = (10 * lifetimeMs - at) / lifetimeMs;
      expect(aheadFraction).toBeGreaterThanOrEqual(0.2);
      expect(aheadFraction).toBeLessThan(0.25);
    }
  });

  it('allows force refreshes 30 s apart and 20 a day', () => {
    const now = 1_000_000_000;
    expect(nextForceRefreshAllowedAt([], now)).toBe(now);
    expect(nextForceRefreshAllowedAt([now - 10_000], now)).toBe(now + 20_000);
    const twenty = Array.from({ length: 20 }, (_, i) => now - (i + 1) * 60_000);
    expect(nextForceRefreshAllowedAt(twenty, now)).toBe('exhausted');
    const yesterday = twenty.map((at) => at - 24 * 60 * 60 * 1000);
    expect(nextForceRefreshAllowedAt(yesterday, now)).toBe(now);
  });

  it('backs off exponentially up to 5 % of the lifetime, each credential within ±25 % of the nominal delay', () => {
    const lifetimeMs = 7_200_000;
    for (const [failures, nominal] of [
      [1, 1_000],
      [4, 8_000],
      [20, 360_000],
    ] as const) {
      const delay = retryDelayMs(failures, lifetimeMs, 'retry_later', 'app/wechat/wx1');
      expect(delay).toBeGreaterThanOrEqual(nominal * 0.75);
      expect(delay).toBeLessThanOrEqual(nominal * 1.25);
    }
    // Deterministic per credential (workflow replay), different across credentials.
    expect(retryDelayMs(3, lifetimeMs, 'retry_later', 'app/wechat/wx1')).toBe(
      retryDelayMs(3, lifetimeMs, 'retry_later', 'app/wechat/wx1'),
    );
  });

  it("spreads a fleet's retries after an outage instead of retrying at the same moments", () => {
    const delays = Array.from({ length: 1000 }, (_, i) =>
      retryDelayMs(3, 7_200_000, 'retry_later', `app/wechat/wx${i}`),
    );
    const distinct = new Set(delays.map((d) => Math.round(d / 100)));
    // 4 s nominal over 3–5 s: at least 15 of the 21 possible 100 ms slots are used.
    expect(distinct.size).toBeGreaterThanOrEqual(15);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(3_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(5_000);
  });
});
