import type { ErrorCategory } from '../errors';

/** smartapp `errno` values meaning the access token given is no good: 44003 expired, 44004 auth failed. */
export const BAIDU_TOKEN_ERROR_CODES: ReadonlySet<number> = new Set([44003, 44004]);

const credentialInvalid = new Set([
  40001, // parameter error
  40008, // IP not in the whitelist
  50002, // client_id does not exist
  502, // "Client authentication failed" (observed on the TP token API)
]);

/** Maps a smartapp `errno` (the `{errno, msg, data}` envelope) to what to do about it. */
export function classifyBaiduErrno(errno: number): ErrorCategory {
  if (BAIDU_TOKEN_ERROR_CODES.has(errno)) return 'token_invalid';
  if (errno === 50032 || errno === 45002) return 'refresh_token_invalid'; // no authorization relationship
  if (errno === 50001 || errno === 50003) return 'ticket_invalid';
  if (errno === 50029) return 'quota_exhausted';
  if (credentialInvalid.has(errno)) return 'credential_invalid';
  return 'retry_later';
}

/**
 * Maps an OAuth error of /rest/2.0/oauth/token (HTTP 400 `{error, error_description}`). Codes and
 * refresh tokens are single use, so invalid_grant / expired_token mean: recover, do not retry.
 */
export function classifyBaiduOAuthError(error: string, description: string): ErrorCategory {
  if (error === 'invalid_grant' || error === 'expired_token') return 'refresh_token_invalid';
  if (error === 'invalid_request' && /refresh|code/i.test(description)) return 'refresh_token_invalid';
  if (error === 'temporarily_unavailable' || error === 'server_error') return 'retry_later';
  return 'credential_invalid'; // invalid_client, unauthorized_client, unsupported_grant_type, invalid_scope …
}
