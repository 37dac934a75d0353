/**
 * Never an expired token (workflows/credential-state.ts): what a credential shows once its token
 * lapses, when its workflow wakes to notice it, and that waking does not push retries back.
 */
import {
  CREDENTIAL_INVALID_RECHECK_MS,
  effectiveStatus,
  expiryWakeTime,
  initialState,
  nextRefreshTime,
  recordFailure,
  recordSuccess,
  tokenView,
  type CredentialState,
} from '../../../workflows/credential-state';
import type { FailureSummary } from '../../../workflows/messages';
import { MINTING_POLICY, retryDelayMs } from '../../../workflows/refresh-schedule';

const NOW = 1_800_000_000_000;
const HOUR2 = 7_200_000;
const ID = 'app/wechat/wx1';

function active(): CredentialState {
  return recordSuccess(initialState(), { accessToken: 'T1', expiresInMs: HOUR2, latencyMs: 0 }, NOW, {
    passive: false,
    forced: false,
  });
}

const failure = (category: string, code: string, at = NOW + 1_000): FailureSummary => ({
  at,
  category,
  code,
  message: '',
});

describe('a parked credential whose token lapses', () => {
  const expiresAt = NOW + HOUR2;

  it('credential_invalid: wakes at the expiry, then shows expired and serves no token', () => {
    const parked = recordFailure(active(), failure('credential_invalid', '40125'), NOW + 1_000);
    expect(tokenView(parked, expiresAt - 1)).toMatchObject({ status: 'credential_invalid', accessToken: 'T1' });
    // Its own timer is the hourly recheck, far past the expiry: the expiry wakes it first.
    expect(nextRefreshTime(parked, MINTING_POLICY, ID, NOW + 1_000)).toBe(NOW + 1_000 + CREDENTIAL_INVALID_RECHECK_MS);
    expect(expiryWakeTime(parked, NOW + 1_000)).toBe(expiresAt);
    expect(tokenView(parked, expiresAt)).toEqual({ status: 'expired', version: 1 });
    expect(effectiveStatus(parked, expiresAt)).toBe('expired');
    // Nothing left to wake for.
    expect(expiryWakeTime(parked, expiresAt)).toBeUndefined();
  });

  it('a long quota backoff past the expiry: wakes at the expiry and shows expired', () => {
    // Failing a minute before the expiry, the sixth time: the next try is about 320 s away.
    const late = expiresAt - 60_000;
    let state = active();
    for (let i = 0; i < 6; i++) state = recordFailure(state, failure('quota_exhausted', '45009', late), late);
    expect(state.status).toBe('degraded');
    const retryAt = nextRefreshTime(state, MINTING_POLICY, ID, late)!;
    expect(retryAt).toBe(late + retryDelayMs(6, HOUR2, 'quota_exhausted', ID));
    expect(retryAt - late).toBeGreaterThan(200_000);
    const wakeAt = expiryWakeTime(state, late)!;
    expect(wakeAt).toBe(expiresAt);
    expect(wakeAt).toBeLessThan(retryAt);
    expect(tokenView(state, wakeAt)).toEqual({ status: 'expired', version: 1 });
  });

  it('reauth_required: the token goes at the expiry, the status stays (only re-authorization changes it)', () => {
    const parked = recordFailure(active(), failure('refresh_token_invalid', '40021'), NOW + 1_000);
    expect(nextRefreshTime(parked, MINTING_POLICY, ID, NOW + 1_000)).toBeUndefined();
    expect(expiryWakeTime(parked, NOW + 1_000)).toBe(expiresAt);
    expect(tokenView(parked, expiresAt)).toEqual({ status: 'reauth_required', version: 1 });
  });

  it('waking for the expiry (or a report) does not push a retry back', () => {
    const parked = recordFailure(active(), failure('credential_invalid', '40125'), NOW + 1_000);
    const before = nextRefreshTime(parked, MINTING_POLICY, ID, NOW + 1_000);
    expect(nextRefreshTime(parked, MINTING_POLICY, ID, expiresAt)).toBe(before);
    const busy = recordFailure(active(), failure('retry_later', '-1'), NOW + 1_000);
    const retry = NOW + 1_000 + retryDelayMs(1, HOUR2, 'retry_later', ID);
    expect(nextRefreshTime(busy, MINTING_POLICY, ID, NOW + 1_000)).toBe(retry);
    expect(nextRefreshTime(busy, MINTING_POLICY, ID, NOW + 1_500)).toBe(retry);
  });
});

it('an active credential publishes its next refresh with the token', () => {
  const state = { ...active(), nextRefreshAt: NOW + 5_000_000 };
  expect(tokenView(state, NOW)).toEqual({
    status: 'active',
    accessToken: 'T1',
    expiresAt: NOW + HOUR2,
    version: 1,
    nextRefreshAt: NOW + 5_000_000,
  });
});
