import type { FaultKind } from './faults';

export interface CallRecord {
  /** Sandbox-clock ms when the request arrived. */
  at: number;
  platform: string;
  endpoint: string;
  /** appid, component appid or client id the call was for, when known. */
  appid: string | null;
  /** HTTP status answered; 0 when the socket was destroyed instead. */
  status: number;
  /** Platform error code in the body (0 = success); null when there was no parsable body. */
  errcode: number | null;
  fault: FaultKind | null;
}

export type InvalidTokenReason = 'missing' | 'unknown' | 'invalidated' | 'expired' | 'wrong_type';

export interface InvalidTokenUse {
  at: number;
  platform: string;
  endpoint: string;
  appid: string | null;
  reason: InvalidTokenReason;
  /** First characters only: enough to tell tokens apart in a failing test. */
  tokenPrefix: string;
}

/**
 * What a single-use credential (refresh token, authorization code) was when presented: `fresh` (never
 * used, alive), `used` (already spent by an earlier presentation: the second use of a single-use value),
 * `superseded` (killed unused, e.g. by a newer exchange), `expired`, or `unknown` to the platform.
 */
export type SingleUseState = 'fresh' | 'used' | 'superseded' | 'expired' | 'unknown';

export interface SingleUsePresentation {
  at: number;
  platform: string;
  endpoint: string;
  /** The authorizer the value belongs to, when the platform knows it. */
  authorizerAppid: string | null;
  kind: 'refresh_token' | 'authorization_code';
  state: SingleUseState;
  /** The platform performed the operation (minted a new pair), whatever reached the caller. */
  accepted: boolean;
  /** First characters only. */
  valuePrefix: string;
}

export interface CallFilter {
  platform?: string;
  endpoint?: string;
  appid?: string;
}

const MAX_KEPT = 50_000;

/** Every platform request and every business call made with a bad token, plus counters. */
export class CallLog {
  private calls: CallRecord[] = [];
  private invalid: InvalidTokenUse[] = [];
  private counters = new Map<string, number>();
  private invalidByApp = new Map<string, number>();
  private invalidTotal = 0;
  private singleUse: SingleUsePresentation[] = [];

  record(call: CallRecord): void {
    this.calls.push(call);
    if (this.calls.length > MAX_KEPT) this.calls.splice(0, this.calls.length - MAX_KEPT);
    const key = `${call.platform} ${call.endpoint} ${call.appid ?? ''}`;
    this.counters.set(key, (this.counters.get(key) ?? 0) + 1);
  }

  recordInvalidToken(use: InvalidTokenUse): void {
    this.invalid.push(use);
    if (this.invalid.length > MAX_KEPT) this.invalid.splice(0, this.invalid.length - MAX_KEPT);
    this.invalidTotal++;
    const key = use.appid ?? '';
    this.invalidByApp.set(key, (this.invalidByApp.get(key) ?? 0) + 1);
  }

  recordSingleUse(presentation: SingleUsePresentation): void {
    this.singleUse.push(presentation);
    if (this.singleUse.length > MAX_KEPT) this.singleUse.splice(0, this.singleUse.length - MAX_KEPT);
  }

  singleUsePresentations(filter: { platform?: string; authorizerAppid?: string } = {}): SingleUsePresentation[] {
    return this.singleUse.filter(
      (p) =>
        (filter.platform === undefined || p.platform === filter.platform) &&
        (filter.authorizerAppid === undefined || p.authorizerAppid === filter.authorizerAppid),
    );
  }

  query(filter: CallFilter = {}): CallRecord[] {
    return this.calls.filter(
      (c) =>
        (filter.platform === undefined || c.platform === filter.platform) &&
        (filter.endpoint === undefined || c.endpoint === filter.endpoint) &&
        (filter.appid === undefined || c.appid === filter.appid),
    );
  }

  invalidTokenUses(filter: CallFilter = {}): InvalidTokenUse[] {
    return this.invalid.filter(
      (c) =>
        (filter.platform === undefined || c.platform === filter.platform) &&
        (filter.endpoint === undefined || c.endpoint === filter.endpoint) &&
        (filter.appid === undefined || c.appid === filter.appid),
    );
  }

  stats(): {
    upstreamCalls: Record<string, number>;
    invalidTokenUses: number;
    invalidTokenUsesByApp: Record<string, number>;
  } {
    return {
      upstreamCalls: Object.fromEntries(this.counters),
      invalidTokenUses: this.invalidTotal,
      invalidTokenUsesByApp: Object.fromEntries(this.invalidByApp),
    };
  }

  clear(): void {
    this.calls = [];
    this.invalid = [];
    this.singleUse = [];
    this.counters.clear();
    this.invalidByApp.clear();
    this.invalidTotal = 0;
  }
}
