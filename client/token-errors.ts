/**
 * Recognises a platform's "this access token is no good" answer in whatever a caller's function
 * returned or threw: a response body, an error carrying the body, or an error with the code.
 */
import { BAIDU_TOKEN_ERROR_CODES } from '../platforms/baidu/errors';
import { DOUYIN_TOKEN_ERROR_CODES } from '../platforms/douyin/errors';
import { WECHAT_TOKEN_ERROR_CODES } from '../platforms/wechat/errors';
import type { Platform } from '../workflows/credential-ids';

/**
 * The error code fields each platform answers with: WeChat `{errcode}`; Douyin `{err_no}` envelopes
 * (and flat `{errno}` on the token endpoint); Baidu smartapp `{errno}` (and `error_code` in some SDKs).
 */
const CODE_KEYS: Record<Platform, readonly string[]> = {
  wechat: ['errcode', 'errCode', 'code'],
  douyin: ['err_no', 'errNo', 'errno', 'code'],
  baidu: ['errno', 'error_code', 'errNo', 'code'],
};
const TOKEN_ERROR_CODES: Record<Platform, ReadonlySet<number>> = {
  wechat: WECHAT_TOKEN_ERROR_CODES,
  douyin: DOUYIN_TOKEN_ERROR_CODES,
  baidu: BAIDU_TOKEN_ERROR_CODES,
};

function errorCode(keys: readonly string[], value: unknown, depth = 0): number | undefined {
  if (typeof value !== 'object' || value === null || depth > 4) return undefined;
  const record = value as Record<string, unknown>;
  for (const key of keys) {
    const code = Number(record[key]);
    // 0 is success: keep looking (a Douyin envelope's err_no 0 with data.error_code … is not a rejection).
    if (record[key] !== undefined && record[key] !== null && Number.isInteger(code) && code !== 0) return code;
  }
  for (const key of ['body', 'data', 'response', 'cause', 'details']) {
    const nested = errorCode(keys, record[key], depth + 1);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

export function isTokenRejection(platform: Platform, value: unknown): boolean {
  const code = errorCode(CODE_KEYS[platform], value);
  return code !== undefined && TOKEN_ERROR_CODES[platform].has(code);
}
