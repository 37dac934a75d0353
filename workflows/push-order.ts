/**
 * Pushes ordered by the platform's time, not by arrival (docs/platforms.md §2.2, §2.9, §3.7, §4.8):
 * platforms retry pushes and deliver them out of order, so a ticket or an `unauthorized` event may
 * arrive after a newer one. Pure decisions, tested without Temporal (test/unit/workflows/push-order.test.ts).
 */

/** What the component workflow knows about the ticket it holds (epoch ms, workflow time). */
export interface TicketTimes {
  receivedAt: number;
  /** The platform's CreateTime; absent for tickets held before it was recorded. */
  createdAt?: number;
}

/**
 * When a pushed ticket was created, epoch ms: its CreateTime, but never later than its arrival, so
 * a platform clock ahead of ours neither makes a ticket look fresher than it is nor pins a ticket
 * from the future in place. A CreateTime that did not parse (0) counts as the arrival.
 */
export function ticketCreatedAt(createTimeSeconds: number, receivedAt: number): number {
  return createTimeSeconds > 0 ? Math.min(createTimeSeconds * 1000, receivedAt) : receivedAt;
}

/** Where a held ticket's age counts from: its creation when known, else its arrival. */
export function ticketOrigin(ticket: TicketTimes): number {
  return ticket.createdAt ?? ticket.receivedAt;
}

/** A pushed ticket replaces the held one unless it is older (same time: the later push wins). */
export function replacesHeldTicket(held: TicketTimes | undefined, createdAt: number): boolean {
  return held === undefined || createdAt >= ticketOrigin(held);
}

/** The later of two platform times, either possibly unknown. */
export function latest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

/**
 * Whether the account's authorization is withdrawn: the newest `unauthorized` is at or after the
 * newest grant. A re-authorization after the withdrawal wins, however the two pushes arrived;
 * grants without a platform time (`undefined`) never outrank a revocation.
 */
export function revocationApplies(newestRevokeAt: number | undefined, newestGrantAt: number | undefined): boolean {
  return newestRevokeAt !== undefined && (newestGrantAt === undefined || newestRevokeAt >= newestGrantAt);
}
