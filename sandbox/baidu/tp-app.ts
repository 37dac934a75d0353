import { TOKEN_CHARS, type SeededRng } from '../core/rng';
import { SandboxClock } from '../core/clock';
import { expiring, kill, liveness, type Expiring, type Liveness } from '../json-push-platforms/lifetimes';

/** Platform durations in seconds (docs/platforms.md §4); each TP app may override them for tests. */
export interface BaiduDurations {
  ticketInterval: number;
  /**
   * UNCONFIRMED on the real platform (docs/platforms.md §6.8). Strict reading: the shortest validity any sibling
   * platform documents (Douyin, 3 h), so a central server relying on a stale ticket fails here first.
   */
  ticketValidity: number;
  tpTokenLifetime: number;
  preAuthCodeLifetime: number;
  authCodeLifetime: number;
  retrievedCodeLifetime: number;
  accessTokenLifetime: number;
  refreshTokenLifetime: number;
}

export const BAIDU_DURATIONS: BaiduDurations = {
  ticketInterval: 600,
  ticketValidity: 3 * 3600,
  tpTokenLifetime: 2_592_000,
  preAuthCodeLifetime: 1200,
  authCodeLifetime: 3600,
  retrievedCodeLifetime: 18_000,
  accessTokenLifetime: 3600,
  refreshTokenLifetime: 315_360_000,
};

/** Behaviours the docs leave open (docs/platforms.md §6.8); defaults are the strict readings. */
export interface BaiduRules {
  /** Refreshing kills the previous authorizer access token at once (true) or lets it run to expiry (false). */
  refreshKillsOldAccessToken: boolean;
  /** A new TP token kills the previous one at once (true) or lets it run to expiry (false). */
  tpTokenKillsPrevious: boolean;
}

export const BAIDU_RULES: BaiduRules = { refreshKillsOldAccessToken: true, tpTokenKillsPrevious: true };

/** smartapp errnos the sandbox answers (docs/platforms.md §4.9). */
export const BD = {
  param: 40001,
  tokenExpired: 44003,
  tokenAuthFailed: 44004,
  clientIdMissing: 50002,
  ticketInvalid: 50003,
  noRelationship: 50032,
} as const;

export type BaiduFailure = { ok: false; code: number; message: string };
export type OAuthFailure = { ok: false; error: string; description: string };

const fail = (code: number, message: string): BaiduFailure => ({ ok: false, code, message });
const oauthFail = (error: string, description: string): OAuthFailure => ({ ok: false, error, description });

/** One permission in the app-info answer's `auth_info` (docs/platforms.md §4.5): its type and scope name. */
export interface AuthInfo {
  /** 权限类型; what the numbers mean is not documented (UNCONFIRMED), the sandbox answers 1. */
  type: number;
  scope_name: string;
}

export const DEFAULT_SCOPES = ['小程序开发管理', '小程序基本信息管理'];

export const authInfo = (scopes: readonly string[]): AuthInfo[] =>
  scopes.map((scope_name) => ({ type: 1, scope_name }));

export interface BaiduAuthorization {
  appId: number;
  appKey: string;
  appName: string;
  authorized: boolean;
  authInfo: AuthInfo[];
  access?: Expiring;
  refresh?: Expiring;
}

export interface OAuthGrant {
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

interface CodeRecord extends Expiring {
  appId: number;
}

type TokenEntry = { kind: 'access' | 'refresh'; appId: number; record: Expiring };

/** One Baidu smart-program third-party platform and every credential it was issued. Pure state, no HTTP. */
export class BaiduTpApp {
  readonly durations: BaiduDurations;
  readonly rules: BaiduRules;
  readonly tickets: Expiring[] = [];
  readonly tpTokens: Expiring[] = [];
  readonly preAuthCodes = new Map<string, Expiring>();
  readonly authCodes = new Map<string, CodeRecord>();
  readonly authorizations = new Map<number, BaiduAuthorization>();
  readonly authorizerTokens = new Map<string, TokenEntry>();

  constructor(
    readonly clientId: string,
    readonly tpAppId: number,
    public token: string,
    public encodingAESKey: string,
    public callbackUrl: string | undefined,
    durations: Partial<BaiduDurations>,
    rules: Partial<BaiduRules>,
    private readonly rng: SeededRng,
    private readonly ms: (seconds: number) => number,
  ) {
    this.durations = { ...BAIDU_DURATIONS, ...durations };
    this.rules = { ...BAIDU_RULES, ...rules };
  }

  issueTicket(now: number): Expiring {
    const ticket = expiring(this.rng.string(64, TOKEN_CHARS), now, this.ms(this.durations.ticketValidity));
    this.tickets.push(ticket);
    return ticket;
  }

  /** GET /public/2.0/smartapp/auth/tp/token: any live ticket of this TP works. */
  tpToken(ticket: string | undefined, now: number): { ok: true; token: Expiring } | BaiduFailure {
    if (!ticket) return fail(BD.param, 'ticket is required');
    const known = this.tickets.find((t) => t.value === ticket);
    if (!known || liveness(known, now) !== 'alive') return fail(BD.ticketInvalid, 'ticket is invalid');
    if (this.rules.tpTokenKillsPrevious) for (const t of this.tpTokens) kill(t, now);
    const token = expiring(
      this.formatToken(42, this.durations.tpTokenLifetime, now),
      now,
      this.ms(this.durations.tpTokenLifetime),
    );
    this.tpTokens.push(token);
    return { ok: true, token };
  }

  tpTokenState(value: string | undefined, now: number): Liveness | 'unknown' {
    const token = value ? this.tpTokens.find((t) => t.value === value) : undefined;
    return token ? liveness(token, now) : 'unknown';
  }

  preAuthCode(now: number): Expiring {
    const code = expiring(this.rng.string(40, TOKEN_CHARS), now, this.ms(this.durations.preAuthCodeLifetime));
    this.preAuthCodes.set(code.value, code);
    return code;
  }

  /** The merchant authorizes, granting `scopes` (default: the TP's usual two); a re-authorization may change them. */
  authorize(
    appId: number,
    now: number,
    scopes?: readonly string[],
  ): { code: CodeRecord; event: 'AUTHORIZED' | 'UPDATE_AUTHORIZED' } {
    const existing = this.authorizations.get(appId);
    const event = existing?.authorized ? 'UPDATE_AUTHORIZED' : 'AUTHORIZED';
    const authorization: BaiduAuthorization = existing ?? {
      appId,
      appKey: this.rng.string(32),
      appName: `sandbox smart program ${appId}`,
      authorized: true,
      authInfo: authInfo(DEFAULT_SCOPES),
    };
    authorization.authorized = true;
    if (scopes) authorization.authInfo = authInfo(scopes);
    this.authorizations.set(appId, authorization);
    return { code: this.issueCode(appId, this.durations.authCodeLifetime, now), event };
  }

  unauthorize(appId: number, now: number): boolean {
    const authorization = this.authorizations.get(appId);
    if (!authorization?.authorized) return false;
    authorization.authorized = false;
    for (const record of [authorization.access, authorization.refresh]) if (record) kill(record, now);
    for (const code of this.authCodes.values()) if (code.appId === appId) kill(code, now);
    return true;
  }

  /** POST …/retrieve/authorizationcode: a fresh code (longer-lived than the callback's) for a live relationship. */
  retrieveCode(appId: number | undefined, now: number): { ok: true; code: CodeRecord } | BaiduFailure {
    if (appId === undefined) return fail(BD.param, 'app_id is required');
    if (!this.authorizations.get(appId)?.authorized) return fail(BD.noRelationship, 'no authorization relationship');
    return { ok: true, code: this.issueCode(appId, this.durations.retrievedCodeLifetime, now) };
  }

  exchangeCode(code: string | undefined, now: number): { ok: true; grant: OAuthGrant; appId: number } | OAuthFailure {
    if (!code) return oauthFail('invalid_request', 'missing required parameter: code');
    const record = this.authCodes.get(code);
    if (!record || liveness(record, now) !== 'alive')
      return oauthFail('invalid_grant', `Invalid authorization code: ${code}`);
    const authorization = this.authorizations.get(record.appId);
    if (!authorization?.authorized) return oauthFail('invalid_grant', 'authorization has been revoked');
    kill(record, now); // codes are one-time
    record.usedAt = now;
    return { ok: true, grant: this.mintPair(authorization, now, true), appId: record.appId };
  }

  /** Single use, 10-year lifetime; whether the old access token dies is a rule (strict: yes). */
  refresh(
    refreshToken: string | undefined,
    now: number,
  ): { ok: true; grant: OAuthGrant; appId: number } | OAuthFailure {
    if (!refreshToken) return oauthFail('invalid_request', 'missing required parameter: refresh_token');
    const entry = this.authorizerTokens.get(refreshToken);
    if (!entry || entry.kind !== 'refresh') return oauthFail('invalid_grant', 'Invalid refresh token');
    const state = liveness(entry.record, now);
    if (state === 'invalidated') return oauthFail('invalid_grant', 'refresh token has been used');
    if (state === 'expired') return oauthFail('invalid_grant', 'refresh token has expired');
    const authorization = this.authorizations.get(entry.appId);
    if (!authorization?.authorized) return oauthFail('invalid_grant', 'authorization has been revoked');
    entry.record.usedAt = now;
    return {
      ok: true,
      grant: this.mintPair(authorization, now, this.rules.refreshKillsOldAccessToken),
      appId: entry.appId,
    };
  }

  checkAuthorizerToken(
    value: string | undefined,
    now: number,
  ): { ok: true; authorization: BaiduAuthorization } | BaiduFailure {
    const entry = value ? this.authorizerTokens.get(value) : undefined;
    if (!entry || entry.kind !== 'access') return fail(BD.tokenAuthFailed, 'access token check failed');
    const state = liveness(entry.record, now);
    if (state === 'expired') return fail(BD.tokenExpired, 'access token expired');
    if (state === 'invalidated') return fail(BD.tokenAuthFailed, 'access token check failed');
    const authorization = this.authorizations.get(entry.appId);
    if (!authorization) return fail(BD.tokenAuthFailed, 'access token check failed');
    return { ok: true, authorization };
  }

  private issueCode(appId: number, lifetimeSeconds: number, now: number): CodeRecord {
    const code: CodeRecord = { ...expiring(this.rng.string(40, TOKEN_CHARS), now, this.ms(lifetimeSeconds)), appId };
    this.authCodes.set(code.value, code);
    return code;
  }

  private mintPair(authorization: BaiduAuthorization, now: number, killOldAccess: boolean): OAuthGrant {
    if (authorization.refresh) kill(authorization.refresh, now);
    if (authorization.access && killOldAccess) kill(authorization.access, now);
    const { accessTokenLifetime, refreshTokenLifetime } = this.durations;
    const access = expiring(this.formatToken(45, accessTokenLifetime, now), now, this.ms(accessTokenLifetime));
    const refresh = expiring(this.formatToken(46, refreshTokenLifetime, now), now, this.ms(refreshTokenLifetime));
    this.authorizerTokens.set(access.value, { kind: 'access', appId: authorization.appId, record: access });
    this.authorizerTokens.set(refresh.value, { kind: 'refresh', appId: authorization.appId, record: refresh });
    authorization.access = access;
    authorization.refresh = refresh;
    return {
      access_token: access.value,
      refresh_token: refresh.value,
      expires_in: SandboxClock.expiresIn(access.expiresAt - now),
    };
  }

  /** Observed shape `<type>.<hex>.<lifetime>.<unix expiry>.<digits>` (docs/platforms.md §4.5), on the sandbox clock. */
  private formatToken(type: number, lifetimeSeconds: number, now: number): string {
    const expiry = Math.floor((now + this.ms(lifetimeSeconds)) / 1000);
    return `${type}.${this.rng.hex(32)}.${lifetimeSeconds}.${expiry}.${this.rng.digits(10)}-${this.tpAppId}`;
  }
}
