/**
 * A credential's state machine (workflows/credential-state.ts): versions, expiry measured from the
 * request, never an expired token; compare-and-refresh reports (invariant 1) accepted once and
 * coalesced, stale ones answered; failures — degraded, expired, backoff within the lifetime, a
 * configuration error parked for an hourly recheck, reauth_required waiting for an outside event —
 * and where minting and stable refreshes are scheduled.
 */
import {
  acceptReport,
  CREDENTIAL_INVALID_RECHECK_MS,
  initialState,
  nextRefreshTime,
  recordFailure,
  recordSuccess,
  tokenView,
  type CredentialState,
} from '../../../workflows/credential-state';
import { MINTING_POLICY, STABLE_WINDOW_POLICY } from '../../../workflows/refresh-schedule';

const NOW = 1_800_000_000_000;
const HOUR2 = 7_200_000;

function active(accessToken = 'T1'): CredentialState {
  return recordSuccess(initialState(), { accessToken, expiresInMs: HOUR2, latencyMs: 100 }, NOW, {
    passive: false,
    forced: false,
  });
}

describe('credential state', () => {
  it('records a first token with its expiry measured from when the request was sent', () => {
    const state = active();
    expect(state).toMatchObject({ status: 'active', version: 1, refreshes: 1 });
    expect(state.token).toMatchObject({ accessToken: 'T1', expiresAt: NOW - 100 + HOUR2, lifetimeMs: HOUR2 });
  });

  it('bumps the version only when the token value changes', () => {
    const same = recordSuccess(active(), { accessToken: 'T1', expiresInMs: 250_000, latencyMs: 0 }, NOW + 1000, {
      passive: false,
      forced: false,
    });
    expect(same.version).toBe(1);
    expect(same.token?.lifetimeMs).toBe(HOUR2);
    const next = recordSuccess(same, { accessToken: 'T2', expiresInMs: HOUR2, latencyMs: 0 }, NOW + 2000, {
      passive: true,
      forced: true,
    });
    expect(next).toMatchObject({ version: 2, passiveRefreshes: 1, forcedRefreshes: 1, forceTimes: [NOW + 2000] });
  });

  it('never serves an expired token', () => {
    const state = active();
    expect(tokenView(state, NOW)).toMatchObject({ status: 'active', accessToken: 'T1', version: 1 });
    expect(tokenView(state, state.token!.expiresAt)).toEqual({ status: 'expired', version: 1 });
  });

  describe('compare-and-refresh reports', () => {
    it('accepts the current version once and coalesces repeats', () => {
      const first = acceptReport(active(), 1);
      expect(first.outcome).toBe('accepted');
      expect(first.state.reportedVersion).toBe(1);
      expect(acceptReport(first.state, 1).outcome).toBe('coalesced');
    });

    it('calls a report of an older version stale', () => {
      expect(acceptReport(active(), 0).outcome).toBe('stale');
    });

    it('ignores reports while the credential is misconfigured', () => {
      const broken = recordFailure(
        active(),
        { at: NOW, category: 'credential_invalid', code: '40125', message: '' },
        NOW,
      );
      expect(acceptReport(broken, 1).outcome).toBe('ignored');
    });

    it('answers a report that arrived during a scheduled refresh only if the token changed', () => {
      const reported = acceptReport(active(), 1).state;
      const sameToken = recordSuccess(reported, { accessToken: 'T1', expiresInMs: 200_000, latencyMs: 0 }, NOW, {
        passive: false,
        forced: false,
      });
      expect(sameToken.reportedVersion).toBe(1);
      const newToken = recordSuccess(reported, { accessToken: 'T2', expiresInMs: HOUR2, latencyMs: 0 }, NOW, {
        passive: false,
        forced: false,
      });
      expect(newToken.reportedVersion).toBeUndefined();
    });
  });

  describe('failures', () => {
    const transient = { at: NOW, category: 'retry_later', code: '-1', message: 'system busy' };

    it('degrades while the old token is valid, expires after', () => {
      const state = active();
      expect(recordFailure(state, transient, NOW).status).toBe('degraded');
      expect(recordFailure(state, transient, state.token!.expiresAt + 1).status).toBe('expired');
    });

    it('backs off exponentially within the token lifetime', () => {
      let state = active();
      const delays: number[] = [];
      for (let i = 0; i < 12; i++) {
        state = recordFailure(state, transient, NOW);
        delays.push(nextRefreshTime(state, MINTING_POLICY, 'app/wechat/wx1', NOW)! - NOW);
      }
      // Doubling from 1 s, each within the per-credential ±25 % spread, up to 5 % of the lifetime.
      for (const [i, nominal] of [1000, 2000, 4000, 8000].entries()) {
        expect(delays[i]).toBeGreaterThanOrEqual(nominal * 0.75);
        expect(delays[i]).toBeLessThanOrEqual(nominal * 1.25);
      }
      expect(Math.max(...delays)).toBeGreaterThanOrEqual(HOUR2 * 0.05 * 0.75);
      expect(Math.max(...delays)).toBeLessThanOrEqual(HOUR2 * 0.05 * 1.25);
    });

    it('parks a configuration error for a quiet hourly recheck, never a storm', () => {
      const state = recordFailure(
        active(),
        { at: NOW, category: 'credential_invalid', code: '40125', message: '' },
        NOW,
      );
      expect(state.status).toBe('credential_invalid');
      expect(nextRefreshTime(state, MINTING_POLICY, 'x', NOW)).toBe(NOW + CREDENTIAL_INVALID_RECHECK_MS);
    });

    it('waits for an outside event when re-authorization is required', () => {
      const state = recordFailure(
        active(),
        { at: NOW, category: 'refresh_token_invalid', code: '61023', message: '' },
        NOW,
      );
      expect(state.status).toBe('reauth_required');
      expect(nextRefreshTime(state, MINTING_POLICY, 'x', NOW)).toBeUndefined();
    });
  });

  it('schedules minting refreshes 20-25 % ahead and stable ones inside the last-5-minute window', () => {
    const state = active();
    const expiresAt = state.token!.expiresAt;
    const minting = expiresAt - nextRefreshTime(state, MINTING_POLICY, 'app/wechat/wx1', NOW)!;
    expect(minting).toBeGreaterThanOrEqual(HOUR2 * 0.2);
    expect(minting).toBeLessThan(HOUR2 * 0.25);
    const stable = expiresAt - nextRefreshTime(state, STABLE_WINDOW_POLICY, 'app/wechat/wx1', NOW)!;
    expect(stable).toBeGreaterThanOrEqual(HOUR2 * 0.025);
    expect(stable).toBeLessThan(300_000);
  });
});
