/**
 * The read cache's rules (client/token-cache.ts): served until shortly before the next scheduled
 * refresh or the expiry, never past expiry, re-checked near the refresh point; a newer version wins
 * within a run chain; a re-created workflow (new chain) replaces the entry whatever its version.
 */
import {
  MAX_RECHECK_MS,
  MIN_RECHECK_MS,
  TokenCache,
  cachedToken,
  servableUntil,
  type CachedToken,
} from '../../../client/token-cache';
import type { TokenView } from '../../../workflows/messages';

const NOW = 1_800_000_000_000;
const HOUR2 = 7_200_000;

function view(version: number, overrides: Partial<TokenView> = {}): TokenView {
  return {
    status: 'active',
    accessToken: `T${version}`,
    expiresAt: NOW + HOUR2,
    // Refreshed 25 minutes before expiry.
    nextRefreshAt: NOW + HOUR2 - 1_500_000,
    version,
    firstRunId: 'run-a',
    ...overrides,
  };
}

const token = (v: TokenView): CachedToken => cachedToken(v, NOW)!;

describe('how long a read is served', () => {
  it('until shortly before the scheduled refresh, never the old 60 s or a tenth of the life', () => {
    const v = view(1);
    expect(servableUntil(token(v), NOW)).toBe(v.nextRefreshAt! - MAX_RECHECK_MS);
  });

  it('until shortly before the expiry when that comes first, or when no refresh is scheduled', () => {
    const parked = view(1, { nextRefreshAt: undefined, status: 'reauth_required' });
    const until = servableUntil(token(parked), NOW);
    expect(until).toBe(parked.expiresAt! - MIN_RECHECK_MS);
    const late = view(1, { nextRefreshAt: NOW + HOUR2 + 60_000 });
    expect(servableUntil(token(late), NOW)).toBe(late.expiresAt! - MIN_RECHECK_MS);
  });

  it('re-checks at a short interval once the refresh point passed without a new token, never past expiry', () => {
    const v = view(1);
    const past = v.nextRefreshAt! + 5_000;
    expect(servableUntil(token(v), past)).toBe(past + MAX_RECHECK_MS);
    const lastMoment = v.expiresAt! - 100;
    expect(servableUntil(token(v), lastMoment)).toBe(v.expiresAt);
  });

  it('scales the re-check interval with the refresh margin (seconds-long sandbox tokens)', () => {
    // A 3.6 s token refreshed 0.8 s ahead: re-check every 80 ms.
    const short = view(1, { expiresAt: NOW + 3_600, nextRefreshAt: NOW + 2_800 });
    expect(servableUntil(token(short), NOW)).toBe(NOW + 2_800 - 80);
    expect(servableUntil(token(short), NOW + 2_900)).toBe(NOW + 2_980);
  });

  it('has nothing to serve in a view without a token or past its expiry', () => {
    expect(cachedToken({ status: 'expired', version: 3 }, NOW)).toBeUndefined();
    expect(cachedToken(view(1, { expiresAt: NOW }), NOW)).toBeUndefined();
  });
});

describe('TokenCache', () => {
  it('serves a fresh entry, then stops before the refresh point and at expiry', () => {
    const cache = new TokenCache();
    const v = view(1);
    cache.offer('app/wechat/wx1', v, NOW);
    expect(cache.fresh('app/wechat/wx1', NOW + 1_000)?.accessToken).toBe('T1');
    expect(cache.fresh('app/wechat/wx1', v.nextRefreshAt! - MAX_RECHECK_MS)).toBeUndefined();
    // Re-read past the refresh point (no new token yet): served for one re-check interval.
    cache.offer('app/wechat/wx1', v, v.nextRefreshAt! + 10);
    expect(cache.fresh('app/wechat/wx1', v.nextRefreshAt! + 10 + MAX_RECHECK_MS - 1)?.version).toBe(1);
    expect(cache.fresh('app/wechat/wx1', v.nextRefreshAt! + 10 + MAX_RECHECK_MS)).toBeUndefined();
    // Never past expiry, whatever was computed before.
    cache.offer('app/wechat/wx1', v, v.expiresAt! - 5);
    expect(cache.fresh('app/wechat/wx1', v.expiresAt!)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps the newer version of one chain when an older read arrives late', () => {
    const cache = new TokenCache();
    cache.offer('id', view(3), NOW);
    const answered = cache.offer('id', view(2), NOW + 10);
    expect(answered).toMatchObject({ version: 3, accessToken: 'T3' });
    expect(cache.fresh('id', NOW + 20)?.version).toBe(3);
    expect(cache.offer('id', view(4), NOW + 30)).toMatchObject({ version: 4 });
    expect(cache.fresh('id', NOW + 40)?.accessToken).toBe('T4');
  });

  it('lets a re-created workflow (new chain) replace the entry although its version is lower', () => {
    const cache = new TokenCache();
    cache.offer('id', view(7), NOW);
    const recreated = view(1, { firstRunId: 'run-b', accessToken: 'NEW1' });
    expect(cache.offer('id', recreated, NOW + 10)).toEqual(recreated);
    expect(cache.fresh('id', NOW + 20)).toMatchObject({ accessToken: 'NEW1', version: 1, chain: 'run-b' });
    // The old chain's tokens are not recognised as superseded by the new chain.
    expect(cache.recognise('id', 'T7', NOW + 30)).toBeUndefined();
  });

  it('forgets the credential when the workflow no longer offers a token (revoked, expired)', () => {
    const cache = new TokenCache();
    cache.offer('id', view(2), NOW);
    expect(cache.offer('id', { status: 'revoked', version: 2, firstRunId: 'run-a' }, NOW + 10)).toMatchObject({
      status: 'revoked',
    });
    expect(cache.fresh('id', NOW + 20)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('recognises the current token and the ones it replaced, for reports', () => {
    const cache = new TokenCache();
    cache.offer('id', view(1), NOW);
    cache.offer('id', view(2), NOW + 10);
    expect(cache.recognise('id', 'T2', NOW + 20)).toMatchObject({ kind: 'current', token: { version: 2 } });
    expect(cache.recognise('id', 'T1', NOW + 20)).toMatchObject({
      kind: 'superseded',
      version: 1,
      current: { accessToken: 'T2' },
    });
    expect(cache.recognise('id', 'never-issued', NOW + 20)).toBeUndefined();
    // Nothing is recognised once the current token expired: a report then asks the workflow.
    expect(cache.recognise('id', 'T1', NOW + HOUR2)).toBeUndefined();
  });

  it('remembers only a few superseded tokens', () => {
    const cache = new TokenCache();
    for (let v = 1; v <= 10; v++) cache.offer('id', view(v), NOW + v);
    expect(cache.recognise('id', 'T9', NOW + 20)?.kind).toBe('superseded');
    expect(cache.recognise('id', 'T6', NOW + 20)?.kind).toBe('superseded');
    expect(cache.recognise('id', 'T5', NOW + 20)).toBeUndefined();
  });
});
