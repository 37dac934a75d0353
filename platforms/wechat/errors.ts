import type { ErrorCategory } from '../errors';

/** Codes a business API returns when the access token it was given is no longer good. */
export const WECHAT_TOKEN_ERROR_CODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

const credentialInvalid = new Set([
  40002, // invalid grant_type
  40013, // invalid appid
  40125, // invalid appsecret
  40164, // caller IP not whitelisted
  40243, // AppSecret frozen
  41002, // appid missing
  41004, // secret missing
  43002, // must use POST
  48001, // api unauthorized (wrong token type)
  50004, // token API forbidden for this account
  50007, // account frozen
  61004, // component: caller IP not registered
  61011, // invalid component
  61024, // a component appid must use api_component_token
  89501, // risky IP: admin confirmation pending
  89503, // risky IP: admin confirmation required
  89506, // risky IP rejected twice: blocked 24 h
  89507, // risky IP rejected: blocked 1 h
]);

/** Maps a WeChat errcode to what the caller should do about it (docs/architecture.md invariant 6). */
export function classifyWechatError(errcode: number): ErrorCategory {
  if (errcode === 45009 || errcode === 45011) return 'quota_exhausted';
  if (WECHAT_TOKEN_ERROR_CODES.has(errcode)) return 'token_invalid';
  // 61003 (component not authorized by this account): the authorization is gone. The authorizer
  // workflow confirms it once in the authorizer list, then declares reauth_required.
  if (errcode === 61023 || errcode === 61009 || errcode === 61010 || errcode === 61003) return 'refresh_token_invalid';
  if (errcode === 61005 || errcode === 61006) return 'ticket_invalid';
  if (credentialInvalid.has(errcode)) return 'credential_invalid';
  return 'retry_later';
}
