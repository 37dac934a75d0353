import type { PlatformAnswer, PlatformDialect } from '../core/http';
import type { SeededRng } from '../core/rng';

/** errmsg texts as the real API words them (before the ' rid: …' suffix). */
export const WECHAT_ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40125: 'invalid appsecret',
  40164: 'invalid ip, not in whitelist',
  41001: 'access_token missing',
  41002: 'appid missing',
  41004: 'appsecret missing',
  42001: 'access_token expired',
  43002: 'require POST method',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit  mustslower  retry next minute',
  47001: 'data format error',
  48001: 'api unauthorized',
  61003: 'component is not authorized by this account',
  61004: 'access clientip is not registered',
  61005: 'component ticket is expired',
  61006: 'component ticket is invalid',
  61009: 'code is invalid',
  61010: 'code is expired',
  61011: 'invalid component',
  61023: 'refresh_token is invalid',
  61024: 'must use api(api_component_token) to get token for component acct',
  89501: 'waiting for admin confirmation',
  89503: 'risk control, need admin confirmation, please wait',
  89506: 'ip has been rejected by admin twice within 24 hours, retry after 24 hours',
  89507: 'ip has been rejected by admin, retry after 1 hour',
};

export interface WechatError {
  errcode: number;
  errmsg: string;
}

/** WeChat's error envelope: HTTP 200, errmsg suffixed with a request id like the real one. */
export function wechatError(rng: SeededRng, code: number, message?: string): PlatformAnswer {
  const text = message ?? WECHAT_ERRMSG[code] ?? `error ${code}`;
  return { status: 200, body: { errcode: code, errmsg: `${text} rid: ${rid(rng)}` } satisfies WechatError };
}

/** Real rids look like '6385a2f1-5e2c5ad3-2e1b3a4c'. */
function rid(rng: SeededRng): string {
  return `${rng.hex(8)}-${rng.hex(8)}-${rng.hex(8)}`;
}

export function wechatDialect(rng: SeededRng): PlatformDialect {
  return {
    platform: 'wechat',
    busy: () => wechatError(rng, -1),
    error: (code, message) => wechatError(rng, code, message),
    errcodeOf: (body) => {
      if (!body || typeof body !== 'object') return null;
      const errcode = (body as { errcode?: unknown }).errcode;
      return typeof errcode === 'number' ? errcode : 0;
    },
  };
}
