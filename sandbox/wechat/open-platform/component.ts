import { z } from 'zod';
import { ALNUM, type SeededRng } from '../../core/rng';
import { BasicTokenFamily } from '../own-app-tokens';
import type { TokenRecord, TokenRegistry } from '../token-registry';
import type { PushDelivery } from './push';

/** Platform durations in seconds (scaled by the clock before use). */
export const OPEN_PLATFORM_DURATIONS = {
  componentTokenLifetime: 7200,
  authorizerTokenLifetime: 7200,
  tokenOverlap: 300,
  ticketInterval: 600,
  ticketValidity: 12 * 3600,
  preAuthCodeLifetime: 1800,
  authCodeLifetime: 600,
} as const;

export const componentSettingsSchema = z.object({
  secret: z.string().min(1).optional(),
  /** Message-check Token used in push signatures. */
  token: z.string().min(1).optional(),
  encodingAESKey: z
    .string()
    .regex(/^[A-Za-z0-9]{43}$/)
    .optional(),
  /** 授权事件接收 URL: tickets and authorization events are POSTed here. */
  callbackUrl: z.string().url().nullable().optional(),
  /** false = our exit IP is not in the platform's whitelist (61004 on component APIs). */
  ipAllowed: z.boolean().optional(),
  /** Hand out a new authorizer refresh token on every api_authorizer_token call (docs: it does not rotate). */
  rotateAuthorizerRefreshToken: z.boolean().optional(),
  /** Keep the previous authorizer access token alive 5 min after a refresh (UNCONFIRMED; default: dies at once). */
  authorizerTokenOverlap: z.boolean().optional(),
});
export const createComponentSchema = componentSettingsSchema.extend({ componentAppid: z.string().min(1).optional() });
export type ComponentSettings = z.infer<typeof componentSettingsSchema>;

export interface Authorizer {
  authorizerAppid: string;
  authorized: boolean;
  funcInfo: number[];
  /** The refresh token the platform currently accepts (null once unauthorized). */
  refreshToken: string | null;
  /** Whether an auth code of this authorization was exchanged (the list shows '' before). */
  exchanged: boolean;
  /** unix seconds of the last authorization. */
  authTime: number;
  accessToken: TokenRecord | undefined;
}

interface AuthCode {
  authorizerAppid: string;
  expiresAt: number;
  used: boolean;
}

interface Timed {
  expiresAt: number;
  used?: boolean;
}

export type CodeCheck = 'ok' | 'invalid' | 'expired';

/**
 * One WeChat Open Platform third-party platform: its tickets, component tokens, pre-auth and auth
 * codes, and the accounts that authorized it. Pure state and rules; HTTP lives in the route files.
 */
export class WechatComponent {
  secret: string;
  token: string;
  encodingAESKey: string;
  callbackUrl: string | null = null;
  ipAllowed = true;
  rotateAuthorizerRefreshToken = false;
  authorizerTokenOverlap = false;

  readonly tokens: BasicTokenFamily;
  readonly tickets = new Map<string, Timed>();
  latestTicket: string | undefined;
  readonly preAuthCodes = new Map<string, Timed>();
  readonly authCodes = new Map<string, AuthCode>();
  readonly authorizers = new Map<string, Authorizer>();
  readonly pushes: PushDelivery[] = [];
  /** Ticket pushing runs while this holds the clock timer id. */
  ticketTimer: number | undefined;
  ticketPushing = false;

  constructor(
    readonly componentAppid: string,
    private readonly rng: SeededRng,
    private readonly registry: TokenRegistry,
    init: { secret: string; token: string; encodingAESKey: string },
  ) {
    this.secret = init.secret;
    this.token = init.token;
    this.encodingAESKey = init.encodingAESKey;
    this.tokens = new BasicTokenFamily(registry, componentAppid, 'component');
  }

  apply(settings: ComponentSettings): void {
    if (settings.secret !== undefined) this.secret = settings.secret;
    if (settings.token !== undefined) this.token = settings.token;
    if (settings.encodingAESKey !== undefined) this.encodingAESKey = settings.encodingAESKey;
    if (settings.callbackUrl !== undefined) this.callbackUrl = settings.callbackUrl;
    if (settings.ipAllowed !== undefined) this.ipAllowed = settings.ipAllowed;
    if (settings.rotateAuthorizerRefreshToken !== undefined)
      this.rotateAuthorizerRefreshToken = settings.rotateAuthorizerRefreshToken;
    if (settings.authorizerTokenOverlap !== undefined) this.authorizerTokenOverlap = settings.authorizerTokenOverlap;
  }

  view(): Record<string, unknown> {
    return {
      componentAppid: this.componentAppid,
      secret: this.secret,
      token: this.token,
      encodingAESKey: this.encodingAESKey,
      callbackUrl: this.callbackUrl,
      ipAllowed: this.ipAllowed,
      rotateAuthorizerRefreshToken: this.rotateAuthorizerRefreshToken,
      authorizerTokenOverlap: this.authorizerTokenOverlap,
      ticketPushing: this.ticketPushing,
      latestTicket: this.latestTicket ?? null,
    };
  }

  /** Every pushed ticket stays usable for its own validity; the platform never recalls one early. */
  mintTicket(now: number, validityMs: number): string {
    const ticket = `ticket@@@${this.rng.string(86, `${ALNUM}_-`)}`;
    this.tickets.set(ticket, { expiresAt: now + validityMs });
    this.latestTicket = ticket;
    return ticket;
  }

  checkTicket(ticket: string, now: number): CodeCheck {
    const entry = this.tickets.get(ticket);
    if (!entry) return 'invalid';
    return now < entry.expiresAt ? 'ok' : 'expired';
  }

  createPreAuthCode(now: number, lifetimeMs: number): string {
    const code = `preauthcode@@@${this.rng.string(86, `${ALNUM}_-`)}`;
    this.preAuthCodes.set(code, { expiresAt: now + lifetimeMs });
    return code;
  }

  /** Single use within its lifetime; consumed only when it is valid. */
  usePreAuthCode(code: string, now: number): CodeCheck {
    const entry = this.preAuthCodes.get(code);
    if (!entry || entry.used) return 'invalid';
    if (now >= entry.expiresAt) return 'expired';
    entry.used = true;
    return 'ok';
  }

  /**
   * A merchant (re-)authorizes: a fresh auth code and a fresh refresh token (the previous one dies,
   * as on the real platform). Returns the event type to push.
   */
  authorize(
    authorizerAppid: string,
    funcInfo: number[],
    now: number,
    codeLifetimeMs: number,
  ): { code: string; expiresAt: number; infoType: 'authorized' | 'updateauthorized' } {
    const existing = this.authorizers.get(authorizerAppid);
    const infoType = existing?.authorized ? 'updateauthorized' : 'authorized';
    if (existing?.accessToken) this.registry.kill(existing.accessToken.value, now);
    this.authorizers.set(authorizerAppid, {
      authorizerAppid,
      authorized: true,
      funcInfo,
      refreshToken: this.newRefreshToken(),
      exchanged: false,
      authTime: Math.floor(now / 1000),
      accessToken: undefined,
    });
    const code = `queryauthcode@@@${this.rng.string(86, `${ALNUM}_-`)}`;
    const expiresAt = now + codeLifetimeMs;
    this.authCodes.set(code, { authorizerAppid, expiresAt, used: false });
    return { code, expiresAt, infoType };
  }

  /** api_query_auth: single-use code → access token + the authorization's refresh token. */
  queryAuth(
    code: string,
    now: number,
    lifetimeMs: number,
    overlapMs: number,
  ): { ok: true; authorizer: Authorizer; accessToken: TokenRecord } | { ok: false; errcode: 61009 | 61010 } {
    const entry = this.authCodes.get(code);
    if (!entry || entry.used) return { ok: false, errcode: 61009 };
    if (now >= entry.expiresAt) return { ok: false, errcode: 61010 };
    const authorizer = this.authorizers.get(entry.authorizerAppid);
    if (!authorizer?.authorized) return { ok: false, errcode: 61009 };
    entry.used = true;
    authorizer.exchanged = true;
    return { ok: true, authorizer, accessToken: this.issueAuthorizerToken(authorizer, now, lifetimeMs, overlapMs) };
  }

  /** api_authorizer_token. */
  refreshAuthorizer(
    authorizerAppid: string,
    refreshToken: string,
    now: number,
    lifetimeMs: number,
    overlapMs: number,
  ): { ok: true; authorizer: Authorizer; accessToken: TokenRecord } | { ok: false; errcode: 61003 | 61023 } {
    const authorizer = this.authorizers.get(authorizerAppid);
    if (!authorizer?.authorized) return { ok: false, errcode: 61003 };
    if (authorizer.refreshToken !== refreshToken) return { ok: false, errcode: 61023 };
    authorizer.exchanged = true;
    const accessToken = this.issueAuthorizerToken(authorizer, now, lifetimeMs, overlapMs);
    if (this.rotateAuthorizerRefreshToken) authorizer.refreshToken = this.newRefreshToken();
    return { ok: true, authorizer, accessToken };
  }

  unauthorize(authorizerAppid: string, now: number): boolean {
    const authorizer = this.authorizers.get(authorizerAppid);
    if (!authorizer?.authorized) return false;
    authorizer.authorized = false;
    authorizer.refreshToken = null;
    if (authorizer.accessToken) this.registry.kill(authorizer.accessToken.value, now);
    for (const code of this.authCodes.values()) if (code.authorizerAppid === authorizerAppid) code.used = true;
    return true;
  }

  /** Simulates a refresh token we lost track of: the platform now holds a different one. */
  loseRefreshToken(authorizerAppid: string): string | undefined {
    const authorizer = this.authorizers.get(authorizerAppid);
    if (!authorizer?.authorized) return undefined;
    authorizer.refreshToken = this.newRefreshToken();
    return authorizer.refreshToken;
  }

  /** api_get_authorizer_list rows, oldest authorization first. */
  authorizerList(): Array<{ authorizer_appid: string; refresh_token: string; auth_time: number }> {
    return [...this.authorizers.values()]
      .filter((a) => a.authorized)
      .sort((a, b) => a.authTime - b.authTime)
      .map((a) => ({
        authorizer_appid: a.authorizerAppid,
        refresh_token: a.exchanged ? (a.refreshToken ?? '') : '',
        auth_time: a.authTime,
      }));
  }

  stop(): void {
    this.ticketPushing = false;
    this.ticketTimer = undefined;
  }

  private issueAuthorizerToken(
    authorizer: Authorizer,
    now: number,
    lifetimeMs: number,
    overlapMs: number,
  ): TokenRecord {
    if (authorizer.accessToken) {
      this.registry.kill(authorizer.accessToken.value, this.authorizerTokenOverlap ? now + overlapMs : now);
    }
    authorizer.accessToken = this.registry.mint(
      'authorizer',
      authorizer.authorizerAppid,
      now,
      lifetimeMs,
      this.componentAppid,
    );
    return authorizer.accessToken;
  }

  private newRefreshToken(): string {
    return `refreshtoken@@@${this.rng.string(43, `${ALNUM}_-`)}`;
  }
}
