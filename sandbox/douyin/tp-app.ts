import { SandboxClock } from '../core/clock';
import { TOKEN_CHARS, type SeededRng } from '../core/rng';
import { expiring, kill, liveness, type Expiring } from '../json-push-platforms/lifetimes';

/** Platform durations in seconds (docs/platforms.md §3); each TP app may override them for tests. */
export interface DouyinDurations {
  ticketInterval: number;
  ticketValidity: number;
  componentTokenLifetime: number;
  /** How long the previous component token keeps working after a new one is issued. */
  componentTokenGrace: number;
  preAuthCodeLifetime: number;
  authCodeLifetime: number;
  accessTokenLifetime: number;
  refreshTokenLifetime: number;
}

export const DOUYIN_DURATIONS: DouyinDurations = {
  ticketInterval: 600,
  ticketValidity: 3 * 3600,
  // The V2 doc text says 2 h while its example shows 3600; the text wins.
  componentTokenLifetime: 7200,
  componentTokenGrace: 300,
  preAuthCodeLifetime: 600,
  authCodeLifetime: 3600,
  accessTokenLifetime: 7200,
  refreshTokenLifetime: 2_592_000,
};

export interface Permission {
  id: number;
  category: string;
  description: string;
}

export const DEFAULT_PERMISSIONS: Permission[] = [
  { id: 1, category: '开发管理', description: '代小程序开发、提审、发布' },
  { id: 2, category: '基本信息设置', description: '设置小程序名称、头像、简介' },
  { id: 3, category: '运营管理', description: '管理小程序运营数据' },
  { id: 4, category: '数据分析', description: '查看小程序数据分析' },
];

/** Douyin error codes the sandbox answers (docs/platforms.md §3.2–3.5). */
export const DY = {
  param: 40001,
  /** 缺少参数: a required parameter of get_auth_token is absent (docs/platforms.md §3.5). */
  missingParam: 40002,
  tpNotFound: 40003,
  /** The authorized mini program is unknown to this TP app (docs/platforms.md §3.5, §3.6). */
  authorizerNotFound: 40004,
  componentTokenExpired: 40009,
  componentTokenWrong: 40010,
  codeExpired: 40018,
  authorizerTokenExpired: 40020,
  refreshTokenInvalid: 40021,
  notAuthorized: 40022,
  invalidTicket: 40037,
  invalidSecret: 40038,
  invalidGrantType: 40040,
} as const;

export type DouyinFailure = { ok: false; code: number; message: string };
export type DouyinResult<T> = ({ ok: true } & T) | DouyinFailure;

const fail = (code: number, message: string): DouyinFailure => ({ ok: false, code, message });

export interface AuthorizerPair {
  access: Expiring;
  refresh: Expiring;
}

export interface Authorization {
  authorizerAppid: string;
  authorized: boolean;
  permissions: Permission[];
  /** The one live pair; exchanging a new code or refreshing replaces it and kills the old one at once. */
  pair?: AuthorizerPair;
}

export interface TokenGrant {
  authorizer_access_token: string;
  expires_in: number;
  authorizer_refresh_token: string;
  refresh_expires_in: number;
  authorizer_appid: string;
  authorize_permission: Permission[];
}

interface CodeRecord extends Expiring {
  authorizerAppid: string;
}

/**
 * One Douyin third-party mini-program app (tpapp) and every credential it was issued. Pure state: no HTTP,
 * times are sandbox-clock ms passed in, durations come pre-scaled through `ms`.
 */
export class DouyinTpApp {
  readonly durations: DouyinDurations;
  readonly tickets: Expiring[] = [];
  readonly componentTokens: Expiring[] = [];
  readonly preAuthCodes = new Map<string, Expiring>();
  readonly authCodes = new Map<string, CodeRecord>();
  readonly authorizations = new Map<string, Authorization>();
  /** Every authorizer token ever minted, by value: access and refresh tokens share the map. */
  readonly authorizerTokens = new Map<
    string,
    { kind: 'access' | 'refresh'; authorizerAppid: string; record: Expiring }
  >();

  constructor(
    readonly componentAppid: string,
    public componentSecret: string,
    public token: string,
    public encodingAESKey: string,
    public callbackUrl: string | undefined,
    durations: Partial<DouyinDurations>,
    private readonly rng: SeededRng,
    /** Platform seconds → sandbox ms (the clock's scale at the time of the call). */
    private readonly ms: (seconds: number) => number,
  ) {
    this.durations = { ...DOUYIN_DURATIONS, ...durations };
  }

  issueTicket(now: number): Expiring {
    const ticket = expiring(this.rng.string(64, TOKEN_CHARS), now, this.ms(this.durations.ticketValidity));
    this.tickets.push(ticket);
    return ticket;
  }

  /** GET /openapi/v2/auth/tp/token/: every call rotates; the previous token gets a grace period, older ones die. */
  componentToken(
    secret: string | undefined,
    ticket: string | undefined,
    now: number,
  ): DouyinResult<{ token: Expiring }> {
    if (!secret || !ticket) return fail(DY.param, 'component_appsecret and component_ticket are required');
    if (secret !== this.componentSecret) return fail(DY.invalidSecret, 'invalid component_appsecret');
    const known = this.tickets.find((t) => t.value === ticket);
    if (!known || liveness(known, now) !== 'alive') return fail(DY.invalidTicket, 'invalid component_ticket');
    const alive = this.componentTokens.filter((t) => liveness(t, now) === 'alive');
    const newest = alive[alive.length - 1];
    for (const t of alive) kill(t, t === newest ? now + this.ms(this.durations.componentTokenGrace) : now);
    const token = expiring(`clt.${this.rng.hex(40)}`, now, this.ms(this.durations.componentTokenLifetime));
    this.componentTokens.push(token);
    return { ok: true, token };
  }

  checkComponentToken(value: string, now: number): DouyinResult<object> {
    const token = this.componentTokens.find((t) => t.value === value);
    if (!token) return fail(DY.componentTokenWrong, 'component access token is wrong');
    const state = liveness(token, now);
    if (state === 'expired') return fail(DY.componentTokenExpired, 'component access token expired');
    if (state === 'invalidated') return fail(DY.componentTokenWrong, 'component access token was replaced');
    return { ok: true };
  }

  preAuthCode(now: number): Expiring {
    const code = expiring(`preauthcode.${this.rng.hex(32)}`, now, this.ms(this.durations.preAuthCodeLifetime));
    this.preAuthCodes.set(code.value, code);
    return code;
  }

  /** A merchant consents (authorization page) or a code is recovered: a fresh single-use authorization code. */
  issueAuthCode(authorizerAppid: string, now: number): CodeRecord {
    const code: CodeRecord = {
      ...expiring(this.rng.string(40, TOKEN_CHARS), now, this.ms(this.durations.authCodeLifetime)),
      authorizerAppid,
    };
    this.authCodes.set(code.value, code);
    return code;
  }

  /** The merchant authorizes (again): AUTHORIZED the first time, UPDATE_AUTHORIZED while already authorized. */
  authorize(
    authorizerAppid: string,
    permissions: Permission[] | undefined,
    now: number,
  ): { code: CodeRecord; event: 'AUTHORIZED' | 'UPDATE_AUTHORIZED' } {
    const existing = this.authorizations.get(authorizerAppid);
    const event = existing?.authorized ? 'UPDATE_AUTHORIZED' : 'AUTHORIZED';
    const authorization: Authorization = existing ?? {
      authorizerAppid,
      authorized: true,
      permissions: DEFAULT_PERMISSIONS,
    };
    authorization.authorized = true;
    if (permissions) authorization.permissions = permissions;
    this.authorizations.set(authorizerAppid, authorization);
    return { code: this.issueAuthCode(authorizerAppid, now), event };
  }

  /** The merchant withdraws: every token of this authorizer dies now. */
  unauthorize(authorizerAppid: string, now: number): boolean {
    const authorization = this.authorizations.get(authorizerAppid);
    if (!authorization?.authorized) return false;
    authorization.authorized = false;
    this.killPair(authorization, now);
    for (const code of this.authCodes.values()) if (code.authorizerAppid === authorizerAppid) kill(code, now);
    return true;
  }

  exchangeCode(code: string | undefined, now: number): DouyinResult<{ grant: TokenGrant }> {
    if (!code) return fail(DY.missingParam, '缺少参数 authorization_code');
    const record = this.authCodes.get(code);
    if (!record || liveness(record, now) !== 'alive') return fail(DY.codeExpired, 'authorization code expired');
    const authorization = this.authorizations.get(record.authorizerAppid);
    if (!authorization?.authorized) return fail(DY.notAuthorized, 'mini program is not authorized to this tp app');
    kill(record, now); // single use
    record.usedAt = now;
    return { ok: true, grant: this.mintPair(authorization, now) };
  }

  /** Single use; on success the old access token and the old refresh token die at once (docs/platforms.md §3.5). */
  refresh(refreshToken: string | undefined, now: number): DouyinResult<{ grant: TokenGrant }> {
    if (!refreshToken) return fail(DY.missingParam, '缺少参数 authorizer_refresh_token');
    const entry = this.authorizerTokens.get(refreshToken);
    if (!entry || entry.kind !== 'refresh' || liveness(entry.record, now) !== 'alive') {
      return fail(DY.refreshTokenInvalid, 'authorizer refresh token is wrong or expired');
    }
    const authorization = this.authorizations.get(entry.authorizerAppid);
    if (!authorization?.authorized) return fail(DY.notAuthorized, 'mini program is not authorized to this tp app');
    entry.record.usedAt = now;
    return { ok: true, grant: this.mintPair(authorization, now) };
  }

  retrieveCode(authorizerAppid: string | undefined, now: number): DouyinResult<{ code: CodeRecord }> {
    if (!authorizerAppid) return fail(DY.param, 'authorization_appid is required');
    if (!this.authorizations.has(authorizerAppid))
      return fail(DY.authorizerNotFound, 'authorized mini program not found');
    if (!this.authorizations.get(authorizerAppid)?.authorized) {
      return fail(DY.notAuthorized, 'mini program is not authorized to this tp app');
    }
    return { ok: true, code: this.issueAuthCode(authorizerAppid, now) };
  }

  checkAuthorizerToken(value: string, now: number): DouyinResult<{ authorizerAppid: string }> {
    const entry = this.authorizerTokens.get(value);
    if (!entry || entry.kind !== 'access') return fail(DY.authorizerTokenExpired, 'access token is invalid');
    if (liveness(entry.record, now) !== 'alive') return fail(DY.authorizerTokenExpired, 'access token expired');
    return { ok: true, authorizerAppid: entry.authorizerAppid };
  }

  private mintPair(authorization: Authorization, now: number): TokenGrant {
    this.killPair(authorization, now);
    const access = expiring(`isvact.${this.rng.hex(40)}`, now, this.ms(this.durations.accessTokenLifetime));
    const refresh = expiring(`isvrft.${this.rng.hex(40)}`, now, this.ms(this.durations.refreshTokenLifetime));
    const authorizerAppid = authorization.authorizerAppid;
    this.authorizerTokens.set(access.value, { kind: 'access', authorizerAppid, record: access });
    this.authorizerTokens.set(refresh.value, { kind: 'refresh', authorizerAppid, record: refresh });
    authorization.pair = { access, refresh };
    return {
      authorizer_access_token: access.value,
      expires_in: SandboxClock.expiresIn(access.expiresAt - now),
      authorizer_refresh_token: refresh.value,
      refresh_expires_in: SandboxClock.expiresIn(refresh.expiresAt - now),
      authorizer_appid: authorizerAppid,
      authorize_permission: authorization.permissions,
    };
  }

  private killPair(authorization: Authorization, now: number): void {
    if (!authorization.pair) return;
    kill(authorization.pair.access, now);
    kill(authorization.pair.refresh, now);
    authorization.pair = undefined;
  }
}
