/**
 * Operational facts a credential workflow publishes in its memo under `ops` (encrypted by the codec
 * like every payload), for the gateway's fleet metrics: what the token view does not say. Written
 * only when it changes; absent facts are left out. Never a token, ticket or secret.
 */
export const OPS_MEMO_KEY = 'ops';

export interface CredentialOps {
  /** Components: epoch ms the last good ticket arrived. */
  ticketReceivedAt?: number;
  /** Components that never had a ticket: epoch ms they started waiting for one. */
  waitingForTicketSince?: number;
  /** Own apps in stable mode: epoch ms of the force refreshes that still count against today's 20. */
  forceRefreshTimes?: number[];
}
