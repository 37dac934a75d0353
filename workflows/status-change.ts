/**
 * Which status changes are worth telling the business about (status-change webhooks), as pure
 * functions: a credential entering or leaving a status that needs a person (re-authorization,
 * configuration) or that ends it, and a component's ticket going stale or fresh again.
 */
import type { CredentialStatus } from './messages';
import type { Platform } from './credential-ids';

/** Entering or leaving one of these sends a notification. */
export const NOTIFIED_STATUSES: ReadonlySet<CredentialStatus> = new Set([
  'reauth_required',
  'credential_invalid',
  'revoked',
  'expired',
]);

export type NotificationType = 'credential.status_changed' | 'component.ticket_stale' | 'component.ticket_fresh';

/** What a webhook receiver is told: names and statuses only, never a token, ticket or secret. */
export interface StatusNotification {
  /** Unique per notification (the delivering workflow's ID): receivers deduplicate retries with it. */
  id: string;
  type: NotificationType;
  credentialId: string;
  platform: Platform;
  kind: 'app' | 'component' | 'authorizer';
  appid?: string;
  componentAppid?: string;
  authorizerAppid?: string;
  /** Credential status, or the ticket's freshness (`fresh` / `stale`) for ticket notifications. */
  oldStatus?: string;
  newStatus: string;
  /** Epoch ms (workflow time) of the change. */
  at: number;
  /** The last error's category and code, or what happened (e.g. `no ticket push for 1800 s`). */
  reason?: string;
}

/** True when going from `previous` to `next` enters or leaves a notified status. */
export function isNotifiedChange(previous: CredentialStatus | undefined, next: CredentialStatus): boolean {
  if (previous === undefined || previous === next) return false;
  return NOTIFIED_STATUSES.has(previous) || NOTIFIED_STATUSES.has(next);
}

/** The credential a workflow ID names (credential-ids.ts), for the notification's fields. */
export function credentialOfId(
  id: string,
): Pick<StatusNotification, 'credentialId' | 'platform' | 'kind' | 'appid' | 'componentAppid' | 'authorizerAppid'> {
  const [kind, platform, first, second] = id.split('/') as [string, Platform, string, string | undefined];
  if (kind === 'authorizer') {
    return { credentialId: id, platform, kind, componentAppid: first, authorizerAppid: second };
  }
  if (kind === 'component') return { credentialId: id, platform, kind, componentAppid: first };
  return { credentialId: id, platform, kind: 'app', appid: first };
}

/** Whether a push channel silent since `silentSince` counts as stale at `now` (the TicketStale attribute). */
export function ticketStaleAt(silentSince: number, staleAfterMs: number, now: number): boolean {
  return now - silentSince >= staleAfterMs;
}
