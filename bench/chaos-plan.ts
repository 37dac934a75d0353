/**
 * What one kill cycle of the chaos run does, drawn from the seeded RNG before it starts, so a seed
 * replays the same choices: how long the service runs before the SIGKILL, which fault is armed on
 * which authorizer's single-use calls, and when a passive refresh is requested through the gateway.
 */
import type { SeededRng } from '../sandbox/core/rng';

export type ChaosFaultKind = 'drop_response' | 'garble_response' | 'in_flight';

export interface CyclePlan {
  upMs: number;
  /** Index of the authorizer a fault and/or passive refresh targets. */
  target?: number;
  /**
   * drop_response / garble_response: the platform performs the call, the answer is lost / unreadable;
   * in_flight: the call is held at the sandbox (latency) so the SIGKILL lands while it is outstanding.
   */
  fault?: { kind: ChaosFaultKind; on: 'exchange' | 'retrieve' };
  /** ms after the cycle starts that a passive refresh of the target is requested. */
  refreshAtMs?: number;
  /** The merchant authorizes again: a fresh code pushed (UPDATE_AUTHORIZED) for this authorizer, at this ms. */
  reauthorize?: { target: number; atMs: number };
}

export interface PlanOptions {
  upSeconds: [number, number];
  faultChance: number;
  refreshChance: number;
  /** Chance per cycle of a re-authorization (a new code to exchange) of a random authorizer. */
  reauthorizeChance: number;
}

/** How long an in-flight call is held at the sandbox: past the kill, below the 5 s single-use HTTP timeout. */
export const IN_FLIGHT_HOLD_MS = 2_500;

export function planCycle(rng: SeededRng, options: PlanOptions, authorizers: number): CyclePlan {
  const chance = (p: number) => rng.int(0, 9_999) < p * 10_000;
  const upMs = rng.int(options.upSeconds[0] * 1000, options.upSeconds[1] * 1000);
  const reauthorize = chance(options.reauthorizeChance)
    ? { target: rng.int(0, authorizers - 1), atMs: rng.int(0, upMs) }
    : undefined;
  return { ...faultOrRefresh(rng, chance, options, authorizers, upMs), ...(reauthorize ? { reauthorize } : {}) };
}

function faultOrRefresh(
  rng: SeededRng,
  chance: (p: number) => boolean,
  options: PlanOptions,
  authorizers: number,
  upMs: number,
): CyclePlan {
  if (chance(options.faultChance)) {
    const target = rng.int(0, authorizers - 1);
    const kind = (['drop_response', 'garble_response', 'in_flight'] as const)[rng.int(0, 2)]!;
    if (kind === 'in_flight') {
      // Requested shortly before the kill, so the held call is outstanding when the service dies.
      return { upMs, target, fault: { kind, on: 'exchange' }, refreshAtMs: Math.max(0, upMs - rng.int(600, 1_500)) };
    }
    // Mostly on the refresh/exchange itself; sometimes on the code retrieval of a recovery.
    const on = rng.int(0, 3) === 0 ? 'retrieve' : 'exchange';
    return { upMs, target, fault: { kind, on }, refreshAtMs: rng.int(0, Math.max(0, upMs - 500)) };
  }
  if (chance(options.refreshChance)) {
    return { upMs, target: rng.int(0, authorizers - 1), refreshAtMs: rng.int(0, upMs) };
  }
  return { upMs };
}
