import type { TokenRecord, TokenRegistry, WechatTokenKind } from './token-registry';

/** Platform durations in seconds (scaled by the clock before use). */
export const WECHAT_DURATIONS = {
  tokenLifetime: 7200,
  /** Old token keeps working this long after a re-issue; also the stable-token handover window. */
  overlap: 300,
  forceRefreshGap: 30,
  day: 86_400,
  minute: 60,
} as const;

/**
 * /cgi-bin/token (and api_component_token, which behaves the same): every call mints a new token; the previous one keeps working for the overlap,
 * and anything older is dead at once.
 */
export class BasicTokenFamily {
  private current: TokenRecord | undefined;
  private previous: TokenRecord | undefined;

  constructor(
    private readonly registry: TokenRegistry,
    private readonly appid: string,
    private readonly kind: WechatTokenKind = 'basic',
  ) {}

  issue(now: number, lifetimeMs: number, overlapMs: number): TokenRecord {
    if (this.current) this.registry.kill(this.current.value, now + overlapMs);
    // The token before `current` was given the same grace at the previous issue; cut it short now.
    if (this.previous) this.registry.kill(this.previous.value, now);
    this.previous = this.current;
    this.current = this.registry.mint(this.kind, this.appid, now, lifetimeMs);
    return this.current;
  }
}

export interface StableTimings {
  lifetimeMs: number;
  /** Renew when this little is left (the platform's 5-minute handover). */
  handoverMs: number;
  forceGapMs: number;
}

export type StableResult = { ok: true; record: TokenRecord; refreshed: boolean } | { ok: false; errcode: 45009 };

/**
 * /cgi-bin/stable_token. Normal mode hands out the same token until its last 5 minutes, then a new
 * one (the old one lives on to its own expiry). Force mode kills the current token and mints a new
 * one, at most `forceDailyLimit` times a day and only if the previous force was ≥30 s ago
 * (otherwise nothing is refreshed and the current token is returned).
 */
export class StableTokenFamily {
  private current: TokenRecord | undefined;
  private lastForceAt: number | undefined;

  constructor(
    private readonly registry: TokenRegistry,
    private readonly appid: string,
  ) {}

  get(now: number, force: boolean, timings: StableTimings, consumeForce: () => boolean): StableResult {
    const live = this.current && this.registry.check(this.current.value, now).ok ? this.current : undefined;
    if (force) {
      const tooSoon = this.lastForceAt !== undefined && now - this.lastForceAt < timings.forceGapMs;
      if (tooSoon && live) return { ok: true, record: live, refreshed: false };
      if (!tooSoon) {
        if (!consumeForce()) return { ok: false, errcode: 45009 };
        this.lastForceAt = now;
        if (live) this.registry.kill(live.value, now);
        this.current = this.registry.mint('stable', this.appid, now, timings.lifetimeMs);
        return { ok: true, record: this.current, refreshed: true };
      }
    }
    if (live && live.expiresAt - now > timings.handoverMs) return { ok: true, record: live, refreshed: false };
    this.current = this.registry.mint('stable', this.appid, now, timings.lifetimeMs);
    return { ok: true, record: this.current, refreshed: true };
  }

  /** The token normal mode would return now, if any (for inspection). */
  peek(): TokenRecord | undefined {
    return this.current;
  }
}
