import type { SingleUseState } from '../core/call-log';

/**
 * Liveness of a sandbox credential (token, code, ticket): it works until `diesAt`, which is its expiry
 * unless something (rotation, refresh, revocation, single use) killed it earlier.
 */
export interface Expiring {
  value: string;
  issuedAt: number;
  expiresAt: number;
  diesAt: number;
  /** Single-use values (codes, Douyin/Baidu refresh tokens): when a presentation spent it. */
  usedAt?: number;
}

export type Liveness = 'alive' | 'expired' | 'invalidated';

export function liveness(record: Expiring, now: number): Liveness {
  if (now < record.diesAt) return 'alive';
  return record.diesAt < record.expiresAt ? 'invalidated' : 'expired';
}

/** What a single-use value is at a presentation, before the platform acts on it (for the call log). */
export function singleUseState(record: Expiring | undefined, now: number): SingleUseState {
  if (!record) return 'unknown';
  if (record.usedAt !== undefined) return 'used';
  const state = liveness(record, now);
  return state === 'alive' ? 'fresh' : state === 'expired' ? 'expired' : 'superseded';
}

/** Kill at `at` (now, or the end of a grace period); never revives and never extends. */
export function kill(record: Expiring, at: number): void {
  record.diesAt = Math.min(record.diesAt, at);
}

export function expiring(value: string, now: number, lifetimeMs: number): Expiring {
  return { value, issuedAt: now, expiresAt: now + lifetimeMs, diesAt: now + lifetimeMs };
}

/** Beijing wall time "YYYY-MM-DD HH:MM:SS", the format both Douyin and Baidu use in pushes. */
export function beijingDateTime(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}
