/**
 * What bench:chaos concludes from its observations (bench/chaos-metrics.ts) and how it draws its
 * kill cycles from a seed (bench/chaos-plan.ts).
 */
import { GapTracker, refreshMarginMs, singleUseFindings } from '../../../bench/chaos-metrics';
import { IN_FLIGHT_HOLD_MS, planCycle, type PlanOptions } from '../../../bench/chaos-plan';
import type { SingleUsePresentation } from '../../../sandbox/core/call-log';
import { SeededRng } from '../../../sandbox/core/rng';

const presentation = (p: Partial<SingleUsePresentation>): SingleUsePresentation => ({
  at: 0,
  platform: 'douyin',
  endpoint: '/api/tpapp/v2/auth/get_auth_token/',
  authorizerAppid: 'tt1',
  kind: 'refresh_token',
  state: 'fresh',
  accepted: true,
  valuePrefix: 'isvrft.12345',
  ...p,
});

describe('singleUseFindings', () => {
  it('counts second uses of refresh tokens and codes, and refresh tokens the platform had replaced or never issued', () => {
    const findings = singleUseFindings([
      presentation({}),
      presentation({ state: 'used', accepted: false }),
      presentation({ state: 'superseded', accepted: false }),
      presentation({ state: 'unknown', accepted: false, authorizerAppid: null }),
      presentation({ state: 'expired', accepted: false }),
      presentation({ kind: 'authorization_code' }),
      presentation({ kind: 'authorization_code', state: 'used', accepted: false }),
      presentation({ kind: 'authorization_code', state: 'expired', accepted: false }),
    ]);
    expect(findings.refreshTokensSentTwice).toHaveLength(1);
    expect(findings.staleRefreshTokens.map((p) => p.state)).toEqual(['superseded', 'unknown']);
    expect(findings.codesExchangedTwice).toHaveLength(1);
    expect(findings.refreshesAccepted).toBe(1);
    expect(findings.codesAccepted).toBe(1);
  });
});

describe('GapTracker', () => {
  it('measures from the first read without a valid token to the next read with one, per credential', () => {
    const gaps = new GapTracker();
    gaps.observe('a', true, 0);
    gaps.observe('a', false, 1_000);
    gaps.observe('a', false, 1_500);
    gaps.observe('b', false, 1_600);
    gaps.observe('a', true, 4_000);
    gaps.observe('a', false, 5_000);
    gaps.observe('a', true, 6_000);
    gaps.observe('b', true, 2_000);
    expect(gaps.longestMs('a')).toBe(3_000);
    expect(gaps.longestStretch('a')).toEqual({ from: 1_000, to: 4_000 });
    expect(gaps.count('a')).toBe(2);
    expect(gaps.longestMs('b')).toBe(400);
  });

  it('counts a stretch still open at the end up to the end', () => {
    const gaps = new GapTracker();
    gaps.observe('a', true, 0);
    gaps.observe('a', false, 1_000);
    gaps.finish(9_000);
    expect(gaps.longestMs('a')).toBe(8_000);
    expect(gaps.longestMs('never-read')).toBe(0);
  });
});

it('refreshMarginMs: the fraction of the lifetime each platform refreshes ahead (without jitter)', () => {
  expect(refreshMarginMs('douyin', 100_000)).toBe(20_000);
  expect(refreshMarginMs('baidu', 100_000)).toBe(14_000);
});

describe('planCycle', () => {
  const options: PlanOptions = { upSeconds: [2, 8], faultChance: 0.6, refreshChance: 0.6, reauthorizeChance: 0.2 };

  it('draws the same cycles from the same seed', () => {
    const draw = (seed: number) => {
      const rng = new SeededRng(seed);
      return Array.from({ length: 50 }, () => planCycle(rng, options, 6));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps every choice in range, mixes all three faults, and requests an in-flight refresh just before the kill', () => {
    const rng = new SeededRng(7);
    const plans = Array.from({ length: 400 }, () => planCycle(rng, options, 6));
    for (const plan of plans) {
      expect(plan.upMs).toBeGreaterThanOrEqual(2_000);
      expect(plan.upMs).toBeLessThanOrEqual(8_000);
      if (plan.target !== undefined) expect(plan.target).toBeLessThan(6);
      if (plan.refreshAtMs !== undefined) expect(plan.refreshAtMs).toBeLessThanOrEqual(plan.upMs);
      if (plan.reauthorize) expect(plan.reauthorize.atMs).toBeLessThanOrEqual(plan.upMs);
      if (plan.fault?.kind === 'in_flight') {
        // Outstanding at the kill: requested at most 1.5 s before it and held longer than that.
        expect(plan.upMs - plan.refreshAtMs!).toBeLessThanOrEqual(1_500);
        expect(IN_FLIGHT_HOLD_MS).toBeGreaterThan(1_500);
      }
    }
    const kinds = new Set(plans.map((p) => p.fault?.kind));
    expect(kinds).toEqual(new Set([undefined, 'drop_response', 'garble_response', 'in_flight']));
    const reauthorizations = plans.filter((p) => p.reauthorize).length;
    expect(reauthorizations).toBeGreaterThan(40);
    expect(reauthorizations).toBeLessThan(120);
  });
});
