/**
 * The signed `state` of an authorization link: the gateway puts it in the redirect_uri it hands
 * the platform, the platform sends the merchant back with it, and the callback exchanges a code
 * only when the state is one the gateway made, for this component, not yet expired. Anything else
 * arriving at the callback is left to the platform's authorized push, which carries the same code.
 *
 * `v1.<claims, base64url JSON>.<HMAC-SHA256, base64url>`; the key is configured or derived from
 * the codec key ring (every key of the ring verifies, the current one signs), so gateways sharing
 * the ring accept each other's links.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyRing } from '../codec/codec';

export interface StateClaims {
  platform: string;
  componentAppid: string;
}

interface SignedClaims {
  p: string;
  c: string;
  /** Expiry, epoch ms. */
  e: number;
  /** Makes every link's state distinct. */
  n: string;
}

export type StateCheck =
  { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'other_component' };

const VERSION = 'v1';
const STATE_INFO = 'token-central authorization state v1';

/** The state keys from a configured secret (any length; stretched to 32 bytes). */
export function stateKeyFromSecret(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'token-central', STATE_INFO, 32));
}

/** One state key per codec key, the current one first (it signs). Never the codec keys themselves. */
export function stateKeysFromRing(ring: KeyRing): Buffer[] {
  const ids = [ring.currentKeyId, ...[...ring.keys.keys()].filter((id) => id !== ring.currentKeyId)];
  return ids.map((id) => Buffer.from(hkdfSync('sha256', ring.keys.get(id)!.export(), 'token-central', STATE_INFO, 32)));
}

export class AuthorizationStateSigner {
  private readonly keys: Buffer[];

  /** `keys[0]` signs, all verify; without keys a random one (single gateway process only). */
  constructor(
    keys: readonly Buffer[],
    private readonly ttlMs: number,
  ) {
    this.keys = keys.length > 0 ? [...keys] : [randomBytes(32)];
  }

  sign(claims: StateClaims, nowMs: number): string {
    const signed: SignedClaims = {
      p: claims.platform,
      c: claims.componentAppid,
      e: nowMs + this.ttlMs,
      n: randomBytes(9).toString('base64url'),
    };
    const payload = `${VERSION}.${Buffer.from(JSON.stringify(signed)).toString('base64url')}`;
    return `${payload}.${mac(this.keys[0]!, payload).toString('base64url')}`;
  }

  verify(state: unknown, expected: StateClaims, nowMs: number): StateCheck {
    if (typeof state !== 'string' || state === '') return { ok: false, reason: 'missing' };
    const parts = state.split('.');
    if (parts.length !== 3 || parts[0] !== VERSION || state.length > 1024) return { ok: false, reason: 'malformed' };
    const payload = `${parts[0]}.${parts[1]}`;
    const presented = Buffer.from(parts[2]!, 'base64url');
    const valid = this.keys.some((key) => {
      const digest = mac(key, payload);
      return presented.length === digest.length && timingSafeEqual(presented, digest);
    });
    if (!valid) return { ok: false, reason: 'bad_signature' };
    let claims: Partial<SignedClaims>;
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Partial<SignedClaims>;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (claims.p !== expected.platform || claims.c !== expected.componentAppid) {
      return { ok: false, reason: 'other_component' };
    }
    if (typeof claims.e !== 'number' || claims.e <= nowMs) return { ok: false, reason: 'expired' };
    return { ok: true };
  }
}

function mac(key: Buffer, payload: string): Buffer {
  return createHmac('sha256', key).update(payload).digest();
}
