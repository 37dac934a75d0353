/**
 * Third-party platforms as data: where WeChat, Douyin and Baidu differ, the component, authorizer
 * and auth-code workflows read it from here instead of branching into copies. Pure constants and
 * functions, safe for workflows and activities alike.
 */
import { MINTING_POLICY, type RefreshPolicy } from './refresh-schedule';

export type TpPlatform = 'wechat' | 'douyin' | 'baidu';
export const TP_PLATFORMS: readonly TpPlatform[] = ['wechat', 'douyin', 'baidu'];

const HOUR_MS = 60 * 60 * 1000;

/** Single-use refresh: the HTTP request must end (answer or timeout) well before the activity attempt does. */
export const SINGLE_USE_HTTP_TIMEOUT_MS = 5_000;
export const SINGLE_USE_ACTIVITY_TIMEOUT_MS = 10_000;
/** Recoveries the platform answered with a failure (e.g. a retrieved code rejected) before `reauth_required`. */
export const MAX_DEFINITIVE_RECOVERY_FAILURES = 5;

export interface TpPlatformDescriptor {
  platform: TpPlatform;
  /** What the pushed ticket is called (UI only). */
  ticketName: string;
  /** How long a pushed ticket stays usable; Baidu's is undocumented, so the strictest sibling's 3 h. */
  ticketValidityMs: number;
  /** Whether the platform has an API to restart a silent push channel (WeChat api_start_push_ticket). */
  canRestartPushes: boolean;
  /** Component-token refresh: all three mint a new token per call. */
  componentPolicy: RefreshPolicy;
  /** Authorizer-token refresh (Baidu: 1-hour tokens, about every 50 minutes). */
  authorizerPolicy: RefreshPolicy;
  /** Douyin and Baidu refresh tokens work once: an ambiguous refresh must never be re-sent. */
  singleUseRefreshToken: boolean;
  /**
   * How a lost or rejected refresh token is recovered: WeChat lists authorizers with their current
   * refresh token; Douyin and Baidu retrieve a fresh authorization code and exchange it.
   */
  recovery: 'authorizer_list' | 'retrieve_code';
  /** Baidu's code exchange does not name the app: it comes from the event or the app-info API. */
  authorizerAppidSource: 'exchange' | 'event_or_app_info';
  /** Query parameter of the authorization redirect's code. */
  redirectCodeParam: string;
  /** Platform error codes of a retrieval meaning "no authorization relationship": straight to reauth_required. */
  noAuthorizationCodes: readonly string[];
}

export const TP_DESCRIPTORS: Readonly<Record<TpPlatform, TpPlatformDescriptor>> = {
  wechat: {
    platform: 'wechat',
    ticketName: 'component_verify_ticket',
    ticketValidityMs: 12 * HOUR_MS,
    canRestartPushes: true,
    componentPolicy: MINTING_POLICY,
    authorizerPolicy: MINTING_POLICY,
    singleUseRefreshToken: false,
    recovery: 'authorizer_list',
    authorizerAppidSource: 'exchange',
    redirectCodeParam: 'auth_code',
    noAuthorizationCodes: ['61003'],
  },
  douyin: {
    platform: 'douyin',
    ticketName: 'component_ticket',
    ticketValidityMs: 3 * HOUR_MS,
    canRestartPushes: false,
    componentPolicy: MINTING_POLICY,
    authorizerPolicy: MINTING_POLICY,
    singleUseRefreshToken: true,
    recovery: 'retrieve_code',
    authorizerAppidSource: 'exchange',
    redirectCodeParam: 'authorization_code',
    noAuthorizationCodes: ['40022', '40004'],
  },
  baidu: {
    platform: 'baidu',
    ticketName: 'ticket',
    ticketValidityMs: 3 * HOUR_MS,
    canRestartPushes: false,
    componentPolicy: MINTING_POLICY,
    authorizerPolicy: { marginFraction: 0.14, jitterFraction: 0.04 },
    singleUseRefreshToken: true,
    recovery: 'retrieve_code',
    authorizerAppidSource: 'event_or_app_info',
    redirectCodeParam: 'authorization_code',
    noAuthorizationCodes: ['50032'],
  },
};

export function tpDescriptor(platform: TpPlatform): TpPlatformDescriptor {
  return TP_DESCRIPTORS[platform];
}

/**
 * What a failed single-use refresh means (pure, unit-tested):
 * - `rejected`: the platform said the refresh token is no good → recover;
 * - `ambiguous`: the request may have consumed it (timeout, reset, 5xx, garbled, activity timed out) → recover,
 *   never re-send it;
 * - `retry`: certainly not consumed (not sent, or the platform answered "busy" / token errors) → same token, backoff.
 */
export type RefreshOutcome = 'rejected' | 'ambiguous' | 'retry';

export function classifyRefreshFailure(failure: {
  category: string;
  ambiguous?: boolean;
  activityTimeout?: boolean;
}): RefreshOutcome {
  if (failure.activityTimeout) return 'ambiguous';
  if (failure.category === 'refresh_token_invalid') return 'rejected';
  if (failure.ambiguous) return 'ambiguous';
  return 'retry';
}
