/**
 * The lifecycle of one credential as plain data and pure transitions, tested without Temporal.
 * The workflow shells (app, component, authorizer) hold one of these and only decide *how* to
 * obtain a token; *when*, and what a success or failure means, is decided here.
 */
import type { CredentialStatus, FailureSummary, TokenView } from './messages';
import { recentForces, refreshAt, retryDelayMs, type RefreshPolicy } from './refresh-schedule';

export interface HeldToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  obtainedAt: number;
  lifetimeMs: number;
}

export interface CredentialState {
  status: CredentialStatus;
  token?: HeldToken;
  version: number;
  nextRefreshAt?: number;
  refreshes: number;
  passiveRefreshes: number;
  forcedRefreshes: number;
  consecutiveFailures: number;
  lastError?: FailureSummary;
  /** Version named by a passive report that is waiting for its refresh. */
  reportedVersion?: number;
  /**
   * Force refreshes in the last 24 h (WeChat stable_token limits them): older ones are pruned whenever
   * a refresh is recorded and before the state is carried over continue-as-new, so it stays bounded.
   */
  forceTimes: number[];
}

export interface ObtainedToken {
  accessToken: string;
  expiresInMs: number;
  /** Time the request spent in flight: the token's clock started when it was sent. */
  latencyMs: number;
}

/** Statuses in which the credential waits for an outside event instead of refreshing on a timer. */
const PARKED: ReadonlySet<CredentialStatus> = new Set(['pending', 'reauth_required', 'revoked']);

/** How long a configuration error waits before one quiet retry: not a storm, not forever. */
export const CREDENTIAL_INVALID_RECHECK_MS = 60 * 60 * 1000;

export function initialState(): CredentialState {
  return {
    status: 'pending',
    version: 0,
    refreshes: 0,
    passiveRefreshes: 0,
    forcedRefreshes: 0,
    consecutiveFailures: 0,
    forceTimes: [],
  };
}

export function hasValidToken(state: CredentialState, now: number): boolean {
  return state.token !== undefined && state.token.expiresAt > now;
}

/**
 * Statuses that give way to `expired` once the held token lapses: the workflow still refreshes on its
 * own (a retry, the hourly recheck of a configuration error), so "no valid token" is the news.
 * `reauth_required`, `pending` and `revoked` keep their status: only an outside event changes them,
 * and operators look for them by that name.
 */
const EXPIRING: ReadonlySet<CredentialStatus> = new Set(['active', 'refreshing', 'degraded', 'credential_invalid']);

/** The status readers see: a held token past its expiry makes an `active` credential `expired`. */
export function effectiveStatus(state: CredentialState, now: number): CredentialStatus {
  if (EXPIRING.has(state.status) && !hasValidToken(state, now)) {
    if (state.token) return 'expired';
    return state.status === 'active' || state.status === 'degraded' ? 'pending' : state.status;
  }
  return state.status;
}

/** The workflow's answer to readers (query, update, memo): the token only while it is valid. */
export function tokenView(state: CredentialState, now: number): TokenView {
  const status = effectiveStatus(state, now);
  const servable = state.status !== 'revoked' && hasValidToken(state, now);
  const schedule = state.nextRefreshAt === undefined ? {} : { nextRefreshAt: state.nextRefreshAt };
  return servable
    ? {
        status,
        accessToken: state.token!.accessToken,
        expiresAt: state.token!.expiresAt,
        version: state.version,
        ...schedule,
      }
    : { status, version: state.version, ...schedule };
}

/**
 * When the workflow must wake to notice that its token lapsed, whatever else it waits for (a parked
 * credential has no refresh timer; a query alone does not advance workflow time).
 */
export function expiryWakeTime(state: CredentialState, now: number): number | undefined {
  return hasValidToken(state, now) ? state.token!.expiresAt : undefined;
}

export type ReportOutcome = 'accepted' | 'coalesced' | 'stale' | 'ignored';

/**
 * Compare-and-refresh: only a report naming the current version may cause an upstream call, and
 * concurrent reports of it share one. Parked or misconfigured credentials ignore reports.
 */
export function acceptReport(
  state: CredentialState,
  version: number,
): { state: CredentialState; outcome: ReportOutcome } {
  if (PARKED.has(state.status) || state.status === 'credential_invalid') return { state, outcome: 'ignored' };
  if (version !== state.version || !state.token) return { state, outcome: 'stale' };
  if (state.reportedVersion === version) return { state, outcome: 'coalesced' };
  return { state: { ...state, reportedVersion: version }, outcome: 'accepted' };
}

export function recordSuccess(
  state: CredentialState,
  obtained: ObtainedToken,
  now: number,
  options: { passive: boolean; forced: boolean },
): CredentialState {
  const sameToken = state.token?.accessToken === obtained.accessToken;
  const obtainedAt = now - obtained.latencyMs;
  const expiresAt = obtainedAt + obtained.expiresInMs;
  return {
    ...state,
    status: 'active',
    token: {
      accessToken: obtained.accessToken,
      expiresAt,
      obtainedAt: sameToken ? state.token!.obtainedAt : obtainedAt,
      // A stable token handed back again reports only its remaining life; keep the full one.
      lifetimeMs: sameToken ? Math.max(state.token!.lifetimeMs, obtained.expiresInMs) : obtained.expiresInMs,
    },
    version: sameToken ? state.version : state.version + 1,
    refreshes: state.refreshes + 1,
    passiveRefreshes: state.passiveRefreshes + (options.passive ? 1 : 0),
    forcedRefreshes: state.forcedRefreshes + (options.forced ? 1 : 0),
    forceTimes: recentForces(options.forced ? [...state.forceTimes, now] : state.forceTimes, now),
    consecutiveFailures: 0,
    // A report that arrived during a scheduled refresh is answered only if the token changed.
    reportedVersion: options.passive || !sameToken ? undefined : state.reportedVersion,
  };
}

/** The state a run hands to its next run over continue-as-new: only what still counts is carried. */
export function carriedState(state: CredentialState, now: number): CredentialState {
  return { ...state, forceTimes: recentForces(state.forceTimes, now) };
}

export function recordFailure(state: CredentialState, failure: FailureSummary, now: number): CredentialState {
  const consecutiveFailures = state.consecutiveFailures + 1;
  const status: CredentialStatus =
    failure.category === 'credential_invalid'
      ? 'credential_invalid'
      : failure.category === 'refresh_token_invalid'
        ? 'reauth_required'
        : hasValidToken(state, now)
          ? 'degraded'
          : 'expired';
  return { ...state, status, consecutiveFailures, lastError: failure, reportedVersion: undefined };
}

/**
 * When the workflow should next act on its own (undefined: only a message can wake it). Retries count
 * from the failure, not from `now`, so waking for something else (a report, the token's expiry) does
 * not push them back.
 */
export function nextRefreshTime(
  state: CredentialState,
  policy: RefreshPolicy,
  credentialId: string,
  now: number,
): number | undefined {
  if (PARKED.has(state.status)) return undefined;
  const failedAt = state.consecutiveFailures > 0 ? (state.lastError?.at ?? now) : now;
  if (state.status === 'credential_invalid') return failedAt + CREDENTIAL_INVALID_RECHECK_MS;
  if (state.consecutiveFailures > 0 || !state.token) {
    const lifetime = state.token?.lifetimeMs ?? 0;
    return (
      failedAt +
      retryDelayMs(state.consecutiveFailures, lifetime, state.lastError?.category ?? 'retry_later', credentialId)
    );
  }
  // Never schedule into the past: a token handed back with little life left is re-fetched promptly.
  return Math.max(now, refreshAt(state.token, policy, credentialId));
}
