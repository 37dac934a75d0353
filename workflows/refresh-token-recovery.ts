/**
 * An authorizer's refresh token and its recovery as plain data and pure transitions, tested
 * without Temporal (test/unit/refresh-token-recovery.test.ts). The authorizer workflow performs the
 * calls these decide on and throws the failures they describe. Platform differences come from the
 * descriptors (tp-platforms.ts):
 *
 * - WeChat (`authorizer_list`): a rejected refresh token is looked up again in the authorizer list.
 * - Douyin, Baidu (`retrieve_code`, single-use refresh tokens, docs/architecture.md invariant 3): a refresh
 *   token is sent at most once. A rejection, or an ambiguous outcome, means it may be consumed:
 *   recovery = retrieve a fresh authorization code, then exchange it. A failure that certainly sent
 *   nothing, or a "busy" answer, retries the same refresh token after the entity's backoff.
 *   `reauth_required` (a `refresh_token_invalid` failure) only when retrieval says the authorization
 *   is gone, or after MAX_DEFINITIVE_RECOVERY_FAILURES recovery failures the platform answered.
 */
import { initialState, type CredentialState, type ObtainedToken } from './credential-state';
import type { AuthorizerGrant, FailureSummary, Permission } from './messages';
import { classifyRefreshFailure, MAX_DEFINITIVE_RECOVERY_FAILURES, type TpPlatformDescriptor } from './tp-platforms';

export interface LastRecovery {
  /** Epoch ms (workflow time). */
  at: number;
  reason: string;
  outcome: string;
}

export interface RefreshTokenState {
  /** The refresh token to send next; absent when there is none or it must not be sent (again). */
  refreshToken?: string;
  /** Permissions granted (func_info / authorize_permission ids, Baidu scope names). */
  funcInfo: Permission[];
  /** Refresh tokens recovered or recovery attempts started, for operators. */
  recoveries: number;
  /** Single-use platforms: why the refresh token must not be sent (again); recovery is pending. */
  pendingRecovery?: string;
  /** Recovery failures the platform answered (transient ones do not count); MAX of them → reauth. */
  definitiveRecoveryFailures: number;
  lastRecovery?: LastRecovery;
  /** A grant asked for recovery (its exchange was ambiguous): run it without waiting for the schedule. */
  recoverNow: boolean;
}

/** A failure for the workflow to throw (as a PlatformError): the credential entity records it. */
export type PlatformFailure = Omit<FailureSummary, 'at'>;

/** What the workflow needs to know about a failed call (the workflow's `failureFacts` provides it). */
export interface FailureFacts extends PlatformFailure {
  /** The adapter says the request may have been acted on. */
  ambiguous?: boolean;
  /** The activity attempt timed out (e.g. the worker died mid-call). */
  activityTimeout?: boolean;
}

export type RecoveryStep = 'retrieve' | 'exchange';

export function initialRefreshTokenState(): RefreshTokenState {
  return { funcInfo: [], recoveries: 0, definitiveRecoveryFailures: 0, recoverNow: false };
}

/** What a refresh attempt does first. */
export type RefreshPlan =
  | { step: 'refresh'; refreshToken: string }
  /** Single-use: retrieve a fresh authorization code and exchange it (see `recoveryStarted`). */
  | { step: 'recover' }
  /** WeChat without a refresh token: nothing to send, nothing to recover with. */
  | { step: 'fail'; failure: PlatformFailure };

export function planRefresh(state: RefreshTokenState, descriptor: TpPlatformDescriptor): RefreshPlan {
  if (descriptor.recovery === 'retrieve_code') {
    return state.refreshToken && !state.pendingRecovery
      ? { step: 'refresh', refreshToken: state.refreshToken }
      : { step: 'recover' };
  }
  return state.refreshToken
    ? { step: 'refresh', refreshToken: state.refreshToken }
    : {
        step: 'fail',
        failure: { category: 'refresh_token_invalid', code: 'no_refresh_token', message: 'no refresh token held' },
      };
}

/** The refresh answered: keep whatever refresh token came back (single-use: the durable write). */
export function refreshSucceeded(state: RefreshTokenState, refreshToken: string): RefreshTokenState {
  return { ...state, refreshToken };
}

/**
 * A refresh failed. `retry`: throw the failure, the same refresh token goes again after the
 * entity's backoff. `recover`: WeChat looks the refresh token up in the authorizer list; single-use
 * platforms never send this refresh token again and recover with a retrieved code.
 */
export function refreshFailed(
  state: RefreshTokenState,
  facts: FailureFacts,
  descriptor: TpPlatformDescriptor,
): { state: RefreshTokenState; next: 'retry' | 'recover' } {
  if (descriptor.recovery === 'authorizer_list') {
    return { state, next: facts.category === 'refresh_token_invalid' ? 'recover' : 'retry' };
  }
  const outcome = classifyRefreshFailure(facts);
  // Certainly not consumed (not sent, busy).
  if (outcome === 'retry') return { state, next: 'retry' };
  const pendingRecovery =
    outcome === 'rejected'
      ? `refresh token rejected (${facts.code})`
      : `ambiguous refresh (${facts.activityTimeout ? 'activity timed out' : facts.code})`;
  return {
    state: { ...state, refreshToken: undefined, pendingRecovery, definitiveRecoveryFailures: 0 },
    next: 'recover',
  };
}

/**
 * WeChat: the authorizer list's refresh token. A different one is adopted and sent once more
 * (`retryWith`); none, or the same one, means the original rejection stands.
 */
export function wechatRefreshTokenRecovered(
  state: RefreshTokenState,
  listed: string | undefined,
): { state: RefreshTokenState; retryWith?: string } {
  if (!listed || listed === state.refreshToken) return { state };
  return { state: { ...state, refreshToken: listed, recoveries: state.recoveries + 1 }, retryWith: listed };
}

/** Single-use: a recovery attempt begins; `label` names it in the activities' summaries. */
export function recoveryStarted(state: RefreshTokenState): { state: RefreshTokenState; label: string } {
  const pendingRecovery = state.pendingRecovery ?? 'no refresh token held';
  const recoveries = state.recoveries + 1;
  return { state: { ...state, pendingRecovery, recoveries }, label: `recovery #${recoveries}: ${pendingRecovery}` };
}

function withLastRecovery(state: RefreshTokenState, outcome: string, now: number): RefreshTokenState {
  return { ...state, lastRecovery: { at: now, reason: state.pendingRecovery ?? '—', outcome } };
}

const TRANSIENT_CATEGORIES: ReadonlySet<string> = new Set(['retry_later', 'quota_exhausted', 'token_invalid']);
/** Categories the entity would park the credential on; below the maximum a recovery failure must not. */
const PARKING_CATEGORIES: ReadonlySet<string> = new Set(['credential_invalid', 'refresh_token_invalid']);

/**
 * A recovery step (retrieve or exchange) failed. "No authorization" ends in reauth at once;
 * transient failures (timeouts, busy, our component token) back off without counting; failures the
 * platform answered count towards reauth. Every code is single use, so each attempt starts afresh.
 */
export function recoveryStepFailed(
  state: RefreshTokenState,
  step: RecoveryStep,
  facts: FailureFacts,
  now: number,
  descriptor: TpPlatformDescriptor,
): { state: RefreshTokenState; failure: PlatformFailure } {
  if (descriptor.noAuthorizationCodes.includes(facts.code)) {
    return {
      state: {
        ...withLastRecovery(state, `${step}: authorization gone (${facts.code})`, now),
        pendingRecovery: undefined,
      },
      failure: { category: 'refresh_token_invalid', code: facts.code, message: `${step}: ${facts.message}` },
    };
  }
  const transient = facts.activityTimeout === true || TRANSIENT_CATEGORIES.has(facts.category);
  const failures = state.definitiveRecoveryFailures + (transient ? 0 : 1);
  const next = withLastRecovery(
    { ...state, definitiveRecoveryFailures: failures },
    `${step} failed (${facts.code})`,
    now,
  );
  const failure: PlatformFailure =
    failures >= MAX_DEFINITIVE_RECOVERY_FAILURES
      ? {
          category: 'refresh_token_invalid',
          code: 'recovery_failed',
          message: `recovery failed ${failures} times, last ${step}: ${facts.code}`,
        }
      : {
          // A configuration problem seen during recovery is retried, not parked as credential_invalid;
          // a rejected retrieved code counts like any answered failure (the next attempt retrieves a
          // fresh one): only "authorization gone" or the maximum is reauth_required.
          category: PARKING_CATEGORIES.has(facts.category) ? 'retry_later' : facts.category,
          code: facts.code,
          message: `recovery ${step}: ${facts.message}`,
        };
  return { state: next, failure };
}

/** The exchange of a retrieved code answered: recovered if it carries both tokens, a transient failure if not. */
export function recovered(
  state: RefreshTokenState,
  grant: Pick<AuthorizerGrant, 'accessToken' | 'expiresInMs' | 'latencyMs' | 'refreshToken' | 'funcInfo'>,
  now: number,
  descriptor: TpPlatformDescriptor,
): { state: RefreshTokenState; obtained: ObtainedToken } | { state: RefreshTokenState; failure: PlatformFailure } {
  if (!grant.accessToken || !grant.expiresInMs || !grant.refreshToken) {
    const facts = { category: 'retry_later', code: 'incomplete_grant', message: 'exchange answer without tokens' };
    return recoveryStepFailed(state, 'exchange', facts, now, descriptor);
  }
  return {
    state: {
      ...withLastRecovery(state, 'recovered', now),
      refreshToken: grant.refreshToken,
      funcInfo: grant.funcInfo.length > 0 ? grant.funcInfo : state.funcInfo,
      pendingRecovery: undefined,
      definitiveRecoveryFailures: 0,
    },
    obtained: { accessToken: grant.accessToken, expiresInMs: grant.expiresInMs, latencyMs: grant.latencyMs },
  };
}

/**
 * A grant arrived (authorization exchanged elsewhere). `recover`: its exchange was ambiguous on a
 * single-use platform, recover at once. Otherwise its permissions replace ours, its refresh token
 * ends any recovery, and its access token (`accept`) is taken, or the state is only published.
 */
export type GrantEffect =
  | { state: RefreshTokenState; effect: 'recover' }
  | { state: RefreshTokenState; effect: 'accept'; obtained: ObtainedToken }
  | { state: RefreshTokenState; effect: 'publish' };

export function grantReceived(
  state: RefreshTokenState,
  grant: AuthorizerGrant,
  descriptor: TpPlatformDescriptor,
): GrantEffect {
  if (grant.recover && descriptor.recovery === 'retrieve_code') {
    return {
      state: {
        ...state,
        refreshToken: undefined,
        pendingRecovery: grant.recover,
        definitiveRecoveryFailures: 0,
        recoverNow: true,
      },
      effect: 'recover',
    };
  }
  const withTokens = Boolean(grant.accessToken && grant.expiresInMs);
  // A grant naming no permissions keeps ours: a refresh token read from the WeChat authorizer list, or a
  // Baidu exchange whose best-effort app-info lookup failed. Every real authorization grants at least one.
  const funcInfo = grant.funcInfo.length > 0 ? grant.funcInfo : state.funcInfo;
  let next: RefreshTokenState = { ...state, funcInfo };
  if (grant.refreshToken) {
    next = {
      ...next,
      refreshToken: grant.refreshToken,
      pendingRecovery: undefined,
      definitiveRecoveryFailures: 0,
      // A refresh token alone (read from the authorizer list after an ambiguous exchange): refresh with it now.
      recoverNow: !withTokens,
    };
  }
  if (withTokens && grant.accessToken && grant.expiresInMs) {
    const obtained = { accessToken: grant.accessToken, expiresInMs: grant.expiresInMs, latencyMs: grant.latencyMs };
    return { state: next, effect: 'accept', obtained };
  }
  return { state: next, effect: 'publish' };
}

/** The immediate recovery a grant asked for is under way. */
export function recoverNowTaken(state: RefreshTokenState): RefreshTokenState {
  return { ...state, recoverNow: false };
}

/** The account withdrew its authorization: its refresh token is dead on the platform. */
export function authorizationRevoked(state: RefreshTokenState): RefreshTokenState {
  return { ...state, refreshToken: undefined };
}

/** What `describe` and the Web UI show about the refresh token (never its value). */
export function refreshTokenSettings(
  state: RefreshTokenState,
  descriptor: TpPlatformDescriptor,
): Record<string, unknown> {
  const last = state.lastRecovery;
  return {
    permissions: state.funcInfo.join(', ') || '—',
    'refresh token': descriptor.singleUseRefreshToken ? 'single use' : 'reusable',
    'refresh-token recoveries': state.recoveries,
    ...(descriptor.recovery === 'retrieve_code'
      ? {
          'recovery pending': state.pendingRecovery ?? '—',
          'recovery failures': state.definitiveRecoveryFailures,
          'last recovery': last ? `${last.reason} → ${last.outcome} (${new Date(last.at).toISOString()})` : '—',
        }
      : {}),
  };
}

/** Everything an authorizer workflow carries over continue-as-new. */
export interface AuthorizerState {
  credential: CredentialState;
  refreshToken: RefreshTokenState;
}

/**
 * What a run carries over continue-as-new: one AuthorizerState. Runs started before that carried a
 * bare CredentialState in `state` and the refresh-token state field by field; their histories may
 * still hold such inputs, so they are read too.
 */
export interface CarriedAuthorizerInput {
  state?: AuthorizerState | CredentialState;
  refreshToken?: string;
  funcInfo?: Permission[];
  recoveries?: number;
  recoveryReason?: string;
  recoveryFailures?: number;
  lastRecovery?: LastRecovery;
}

/** The state a run starts from. */
export function restoreAuthorizerState(input: CarriedAuthorizerInput): AuthorizerState {
  const { state } = input;
  if (state && 'credential' in state) return state;
  return {
    credential: state ?? initialState(),
    refreshToken: {
      ...initialRefreshTokenState(),
      refreshToken: input.refreshToken,
      funcInfo: input.funcInfo ?? [],
      recoveries: input.recoveries ?? 0,
      pendingRecovery: input.recoveryReason,
      definitiveRecoveryFailures: input.recoveryFailures ?? 0,
      lastRecovery: input.lastRecovery,
    },
  };
}
