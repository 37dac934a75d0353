/**
 * Search attributes every credential workflow publishes, so operators can filter in the Web UI
 * ("all WeChat apps in degraded"). Search attributes are never encrypted: no token, secret or
 * code may ever go here.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const TokenPlatform = defineSearchAttributeKey('TokenPlatform', SearchAttributeType.KEYWORD);
export const TokenKind = defineSearchAttributeKey('TokenKind', SearchAttributeType.KEYWORD);
export const TokenAppId = defineSearchAttributeKey('TokenAppId', SearchAttributeType.KEYWORD);
export const TokenComponentAppId = defineSearchAttributeKey('TokenComponentAppId', SearchAttributeType.KEYWORD);
export const TokenStatus = defineSearchAttributeKey('TokenStatus', SearchAttributeType.KEYWORD);
export const TokenExpiresAt = defineSearchAttributeKey('TokenExpiresAt', SearchAttributeType.DATETIME);
/** A digest of the configured settings (never the settings): a restart re-registers only what changed. */
export const TokenSettings = defineSearchAttributeKey('TokenSettings', SearchAttributeType.KEYWORD);
/**
 * Components only: true while the push channel has been silent for `staleTicketAfterMs` (Web UI:
 * `TicketStale = true`). Set when the ticket goes stale, back to false when a push arrives; unset
 * on a component whose ticket was never stale.
 */
export const TicketStale = defineSearchAttributeKey('TicketStale', SearchAttributeType.BOOL);

export const allSearchAttributes = [
  TokenPlatform,
  TokenKind,
  TokenAppId,
  TokenComponentAppId,
  TokenStatus,
  TokenExpiresAt,
  TokenSettings,
  TicketStale,
] as const;
