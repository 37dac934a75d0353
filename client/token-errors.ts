/**
 * Recognises a platform's "this access token is no good" answer in whatever a caller's function
 * returned or threw: a response body, an error carrying the body, or an error with the code.
 */
import { WECHAT_TOKEN_ERROR_CODES } from '../platforms/wechat/errors';
import type { Platform } from '../workflows/credential-ids';

function wechatCode(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  for (const key of ['errcode', 'errCode', 'code']) {
    const code = Number(record[key]);
    if (record[key] !== undefined && Number.isInteger(code)) return code;
  }
  for (const key of ['body', 'data', 'response', 'cause', 'details']) {
    const nested = wechatCode(record[key]);
    if (nested !== undefined) return nested;
  }
  return undefined;
}

export function isTokenRejection(platform: Platform, value: unknown): boolean {
  if (platform === 'wechat') {
    const code = wechatCode(value);
    return code !== undefined && WECHAT_TOKEN_ERROR_CODES.has(code);
  }
  return false;
}
