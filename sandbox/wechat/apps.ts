import { z } from 'zod';
import { WindowCounter } from '../core/quota';
import type { SeededRng } from '../core/rng';
import { BasicTokenFamily, StableTokenFamily } from './own-app-tokens';
import type { TokenRegistry } from './token-registry';

export const appSettingsSchema = z.object({
  secret: z.string().min(1).optional(),
  /** Successful calls per (scaled) day, counted separately for /cgi-bin/token and /cgi-bin/stable_token. */
  dailyQuota: z.number().int().nonnegative().optional(),
  /** Calls per (scaled) minute, per token endpoint; unlimited when absent. */
  minuteQuota: z.number().int().nonnegative().nullable().optional(),
  /** false = the caller's IP is not whitelisted (40164). */
  ipAllowed: z.boolean().optional(),
  /** stable_token force_refresh calls per (scaled) day. */
  forceRefreshDailyLimit: z.number().int().nonnegative().optional(),
  /** Answer this code to token calls (e.g. 89503 risk confirmation, 40243 frozen secret); null clears it. */
  tokenErrcode: z.number().int().nullable().optional(),
});
export const createAppSchema = appSettingsSchema.extend({ appid: z.string().min(1).optional() });
export type AppSettings = z.infer<typeof appSettingsSchema>;

export type TokenEndpoint = 'token' | 'stable_token';

/** One Official Account / Mini Program with its secret, limits and two independent token families. */
export class WechatApp {
  secret: string;
  dailyQuota = 2000;
  minuteQuota: number | null = null;
  ipAllowed = true;
  forceRefreshDailyLimit = 20;
  tokenErrcode: number | null = null;
  readonly basic: BasicTokenFamily;
  readonly stable: StableTokenFamily;
  readonly daily: Record<TokenEndpoint, WindowCounter>;
  readonly minute: Record<TokenEndpoint, WindowCounter>;
  readonly forceDaily: WindowCounter;

  constructor(
    readonly appid: string,
    secret: string,
    registry: TokenRegistry,
    createdAt: number,
  ) {
    this.secret = secret;
    this.basic = new BasicTokenFamily(registry, appid);
    this.stable = new StableTokenFamily(registry, appid);
    this.daily = { token: new WindowCounter(createdAt), stable_token: new WindowCounter(createdAt) };
    this.minute = { token: new WindowCounter(createdAt), stable_token: new WindowCounter(createdAt) };
    this.forceDaily = new WindowCounter(createdAt);
  }

  apply(settings: AppSettings): void {
    if (settings.secret !== undefined) this.secret = settings.secret;
    if (settings.dailyQuota !== undefined) this.dailyQuota = settings.dailyQuota;
    if (settings.minuteQuota !== undefined) this.minuteQuota = settings.minuteQuota;
    if (settings.ipAllowed !== undefined) this.ipAllowed = settings.ipAllowed;
    if (settings.forceRefreshDailyLimit !== undefined) this.forceRefreshDailyLimit = settings.forceRefreshDailyLimit;
    if (settings.tokenErrcode !== undefined) this.tokenErrcode = settings.tokenErrcode;
  }

  view(): Record<string, unknown> {
    return {
      appid: this.appid,
      secret: this.secret,
      dailyQuota: this.dailyQuota,
      minuteQuota: this.minuteQuota,
      ipAllowed: this.ipAllowed,
      forceRefreshDailyLimit: this.forceRefreshDailyLimit,
      tokenErrcode: this.tokenErrcode,
    };
  }
}

export function newAppid(rng: SeededRng): string {
  return `wx${rng.hex(16)}`;
}

export function newSecret(rng: SeededRng): string {
  return rng.hex(32);
}
