/**
 * The stable-token force-refresh history (`forceTimes`) keeps only the last 24 hours: pruned when a
 * refresh is recorded and when the state is carried over continue-as-new, so a credential that lives
 * for years carries at most a day of timestamps (issue 12, point 10).
 */
import { carriedState, initialState, recordSuccess, type CredentialState } from '../../../workflows/credential-state';
import { nextForceRefreshAllowedAt } from '../../../workflows/refresh-schedule';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 0, 10);
const obtained = (accessToken: string) => ({ accessToken, expiresInMs: 2 * HOUR, latencyMs: 0 });
const withForces = (forceTimes: number[]): CredentialState => ({ ...initialState(), status: 'active', forceTimes });

describe('force-refresh history (forceTimes)', () => {
  it('a recorded force refresh drops the ones older than 24 hours', () => {
    const state = withForces([NOW - 3 * DAY, NOW - DAY - 1, NOW - DAY + 1, NOW - HOUR]);
    const next = recordSuccess(state, obtained('t2'), NOW, { passive: true, forced: true });
    expect(next.forceTimes).toEqual([NOW - DAY + 1, NOW - HOUR, NOW]);
  });

  it('any recorded refresh prunes, forced or not', () => {
    const state = withForces([NOW - 2 * DAY, NOW - HOUR]);
    expect(recordSuccess(state, obtained('t2'), NOW, { passive: false, forced: false }).forceTimes).toEqual([
      NOW - HOUR,
    ]);
  });

  it('continue-as-new carries only the last 24 hours, and the daily limit reads the same from it', () => {
    const old = Array.from({ length: 500 }, (_, i) => NOW - 30 * DAY + i * HOUR);
    const recent = Array.from({ length: 19 }, (_, i) => NOW - 20 * HOUR + i * HOUR);
    const state = withForces([...old, ...recent]);
    const carried = carriedState(state, NOW);
    expect(carried.forceTimes).toEqual(recent);
    expect(nextForceRefreshAllowedAt(carried.forceTimes, NOW)).toBe(nextForceRefreshAllowedAt(state.forceTimes, NOW));
    expect({ ...carried, forceTimes: state.forceTimes }).toEqual(state);
  });
});
