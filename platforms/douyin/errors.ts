import type { ErrorCategory } from '../errors';

/**
 * Codes a Douyin API returns when the access token it was given is no good: 40020 for an
 * authorizer token, 40009/40010 for a component token. 40001 is a *parameter* error, not a token error.
 */
export const DOUYIN_TOKEN_ERROR_CODES: ReadonlySet<number> = new Set([40009, 40010, 40020]);

const credentialInvalid = new Set([
  40001, // parameter error: a bug or bad configuration, never fixed by retrying
  40002, // missing parameter
  40003, // TP app not found
  40006, // IP not in the TP whitelist
  40038, // invalid secret
  40040, // invalid grant_type
]);

/** Maps a Douyin errno / err_no to what to do about it (docs/architecture.md invariant 6). */
export function classifyDouyinError(code: number): ErrorCategory {
  if (DOUYIN_TOKEN_ERROR_CODES.has(code)) return 'token_invalid';
  // Refresh token wrong/expired/used, code expired, or the authorization is gone (40022 not authorized,
  // 40004 authorized app not found): recover, where retrieval confirms it is gone → reauth_required.
  if (code === 40021 || code === 40018 || code === 40012 || code === 40022 || code === 40004)
    return 'refresh_token_invalid';
  if (code === 40037) return 'ticket_invalid';
  if (credentialInvalid.has(code)) return 'credential_invalid';
  return 'retry_later'; // 40000 system error, 40045 generation failed, unknown codes
}
