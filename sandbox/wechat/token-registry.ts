import { TOKEN_CHARS, type SeededRng } from '../core/rng';

const PRUNE_EVERY = 10_000;

export type WechatTokenKind = 'basic' | 'stable' | 'component' | 'authorizer';

export interface TokenRecord {
  value: string;
  kind: WechatTokenKind;
  /** The app the token acts for (authorizer appid for authorizer tokens). */
  appid: string;
  /** Component appid for authorizer tokens. */
  componentAppid?: string;
  issuedAt: number;
  expiresAt: number;
  /** When it stops working: its expiry, or earlier when invalidated. */
  diesAt: number;
}

export type TokenCheck =
  | { ok: true; record: TokenRecord }
  | { ok: false; reason: 'unknown' | 'invalidated' | 'expired'; record?: TokenRecord };

/** Every WeChat token ever minted, by value, with its kind and death time. */
export class TokenRegistry {
  private tokens = new Map<string, TokenRecord>();
  private minted = 0;

  constructor(private readonly rng: SeededRng) {}

  mint(kind: WechatTokenKind, appid: string, now: number, lifetimeMs: number, componentAppid?: string): TokenRecord {
    let value: string;
    do value = tokenString(this.rng, kind);
    while (this.tokens.has(value));
    const record: TokenRecord = {
      value,
      kind,
      appid,
      componentAppid,
      issuedAt: now,
      expiresAt: now + lifetimeMs,
      diesAt: now + lifetimeMs,
    };
    this.tokens.set(value, record);
    if (++this.minted % PRUNE_EVERY === 0) this.prune(now);
    return record;
  }

  /**
   * Benchmarks mint millions of tokens; forget those dead for longer than their own lifetime
   * (a caller still using one then gets 40001 instead of 42001, which no test relies on).
   */
  private prune(now: number): void {
    for (const [value, record] of this.tokens) {
      if (record.diesAt + (record.expiresAt - record.issuedAt) < now) this.tokens.delete(value);
    }
  }

  /** Make `value` stop working at `at` (no-op if it dies earlier anyway). */
  kill(value: string, at: number): void {
    const record = this.tokens.get(value);
    if (record) record.diesAt = Math.min(record.diesAt, at);
  }

  check(value: string, now: number): TokenCheck {
    const record = this.tokens.get(value);
    if (!record) return { ok: false, reason: 'unknown' };
    if (now < record.diesAt) return { ok: true, record };
    // Killed before its natural expiry → 40001 "not latest"; reached its expiry → 42001.
    return { ok: false, reason: record.diesAt < record.expiresAt ? 'invalidated' : 'expired', record };
  }

  get(value: string): TokenRecord | undefined {
    return this.tokens.get(value);
  }

  clear(): void {
    this.tokens.clear();
  }
}

/**
 * Opaque strings shaped like the real ones: a numeric prefix, '_', then ~130 url-safe characters
 * (real tokens are 130-160 chars; storage of ≥512 is recommended).
 */
function tokenString(rng: SeededRng, kind: WechatTokenKind): string {
  const prefix = kind === 'component' ? '90' : kind === 'authorizer' ? '88' : '86';
  return `${prefix}_${rng.string(134, TOKEN_CHARS)}`;
}
