/**
 * What `bench:chaos` measures, as pure functions of what it observed: the sandbox's record of every
 * single-use value presented (Douyin/Baidu refresh tokens and authorization codes) and the reads of
 * each authorizer's token made while the service was killed and restarted.
 */
import type { SingleUsePresentation } from '../sandbox/core/call-log';
import { tpDescriptor } from '../workflows/tp-platforms';

export interface SingleUseFindings {
  /** A refresh token presented after an earlier presentation had spent it. */
  refreshTokensSentTwice: SingleUsePresentation[];
  /** A refresh token presented after the platform had replaced it unused (or never issued it): the service held a stale one. */
  staleRefreshTokens: SingleUsePresentation[];
  /** An authorization code presented after an earlier presentation had spent it. */
  codesExchangedTwice: SingleUsePresentation[];
  refreshesAccepted: number;
  codesAccepted: number;
}

export function singleUseFindings(presentations: readonly SingleUsePresentation[]): SingleUseFindings {
  const refreshes = presentations.filter((p) => p.kind === 'refresh_token');
  const codes = presentations.filter((p) => p.kind === 'authorization_code');
  return {
    refreshTokensSentTwice: refreshes.filter((p) => p.state === 'used'),
    staleRefreshTokens: refreshes.filter((p) => p.state === 'superseded' || p.state === 'unknown'),
    codesExchangedTwice: codes.filter((p) => p.state === 'used'),
    refreshesAccepted: refreshes.filter((p) => p.accepted).length,
    codesAccepted: codes.filter((p) => p.accepted).length,
  };
}

/**
 * The longest stretch, per credential, during which reads found no valid token: from the first read
 * that found none to the next read that found one (so accurate to one poll interval). A stretch still
 * open when the run ends counts up to `finish`.
 */
export class GapTracker {
  private readonly openSince = new Map<string, number>();
  private readonly longest = new Map<string, number>();
  private readonly stretches = new Map<string, number>();
  private readonly worst = new Map<string, { from: number; to: number }>();

  observe(id: string, valid: boolean, at: number): void {
    if (!this.longest.has(id)) this.longest.set(id, 0);
    const since = this.openSince.get(id);
    if (valid) {
      if (since === undefined) return;
      this.close(id, since, at);
    } else if (since === undefined) {
      this.openSince.set(id, at);
    }
  }

  finish(at: number): void {
    for (const [id, since] of this.openSince) this.close(id, since, at);
  }

  longestMs(id: string): number {
    return this.longest.get(id) ?? 0;
  }

  /** How many stretches without a valid token the credential had (each ≥ one read). */
  count(id: string): number {
    return this.stretches.get(id) ?? 0;
  }

  /** When the longest stretch began and ended (epoch ms). */
  longestStretch(id: string): { from: number; to: number } | undefined {
    return this.worst.get(id);
  }

  private close(id: string, from: number, to: number): void {
    this.openSince.delete(id);
    if (to - from >= (this.longest.get(id) ?? 0)) this.worst.set(id, { from, to });
    this.longest.set(id, Math.max(this.longest.get(id) ?? 0, to - from));
    this.stretches.set(id, (this.stretches.get(id) ?? 0) + 1);
  }
}

/** One refresh margin of an authorizer token living `lifetimeMs`: how far ahead of expiry the workflow refreshes (without jitter). */
export function refreshMarginMs(platform: 'douyin' | 'baidu', lifetimeMs: number): number {
  return Math.round(lifetimeMs * tpDescriptor(platform).authorizerPolicy.marginFraction);
}
