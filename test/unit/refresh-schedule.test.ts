import { jitterFraction, MINTING_POLICY, nextForceRefreshAllowedAt, refreshAt } from '../../workflows/refresh-schedule';

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
});
