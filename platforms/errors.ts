/**
 * How every platform failure is classified (docs/architecture.md invariant 6). Workflows decide what to
 * do from the category alone; the code and message are kept for operators.
 */
export type ErrorCategory =
  /** Transient: network, timeout, 5xx, "system busy", malformed answer. Retry with backoff. */
  | 'retry_later'
  /** Daily or minute quota reached. Retry later, slowly. */
  | 'quota_exhausted'
  /** The access token used for the call is invalid or expired: refresh it. */
  | 'token_invalid'
  /** The refresh token (or authorization code) is invalid: recover it, or re-authorize. */
  | 'refresh_token_invalid'
  /** Wrong appid/secret, IP not whitelisted, account frozen: configuration, never retried blindly. */
  | 'credential_invalid'
  /** A stale or invalid component ticket: wait for the next push. */
  | 'ticket_invalid';

export interface PlatformFailureDetails {
  platform: string;
  category: ErrorCategory;
  /** The platform's own code (errcode, err_no, error), or 'http_502', 'timeout', 'network', 'malformed'. */
  code: string;
  message: string;
  /**
   * The request may have reached the platform and been acted on although no answer came back
   * (timeout, reset, 5xx, garbled answer). A single-use refresh token must then not be replayed.
   */
  ambiguous?: boolean;
}

/**
 * A classified platform failure. Its message carries the platform's code and message, never a
 * request URL, secret or token.
 */
export class PlatformError extends Error {
  override name = 'PlatformError';
  constructor(readonly details: PlatformFailureDetails) {
    super(`${details.platform} ${details.code}: ${details.message}`);
  }
}
