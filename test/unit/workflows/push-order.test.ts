/**
 * Pushes ordered by the platform's time (workflows/push-order.ts, invariant 7): a ticket older than
 * the one held never replaces it and its age counts from its CreateTime; an `unauthorized` older
 * than the newest grant does not revoke the re-authorization.
 */
import {
  latest,
  replacesHeldTicket,
  revocationApplies,
  ticketCreatedAt,
  ticketOrigin,
} from '../../../workflows/push-order';

describe('tickets', () => {
  it('are created at their CreateTime, never later than their arrival', () => {
    expect(ticketCreatedAt(1_000, 1_005_000)).toBe(1_000_000);
    // A platform clock ahead of ours: the arrival bounds it.
    expect(ticketCreatedAt(2_000, 1_005_000)).toBe(1_005_000);
    // A CreateTime that did not parse counts as the arrival.
    expect(ticketCreatedAt(0, 1_005_000)).toBe(1_005_000);
  });

  it('an older ticket never replaces the held one; the same time or newer does', () => {
    const held = { receivedAt: 2_000_000, createdAt: 1_600_000 };
    expect(replacesHeldTicket(held, 1_000_000)).toBe(false);
    expect(replacesHeldTicket(held, 1_600_000)).toBe(true);
    expect(replacesHeldTicket(held, 2_200_000)).toBe(true);
    expect(replacesHeldTicket(undefined, 1)).toBe(true);
    // Held before CreateTime was recorded: its arrival stands in.
    expect(replacesHeldTicket({ receivedAt: 2_000_000 }, 1_999_999)).toBe(false);
  });

  it('age counts from creation when known', () => {
    expect(ticketOrigin({ receivedAt: 2_000, createdAt: 1_000 })).toBe(1_000);
    expect(ticketOrigin({ receivedAt: 2_000 })).toBe(2_000);
  });
});

describe('revocations', () => {
  it('revoke unless a newer grant came, whichever arrived first', () => {
    expect(revocationApplies(undefined, 5)).toBe(false);
    expect(revocationApplies(10, undefined)).toBe(true);
    expect(revocationApplies(10, 5)).toBe(true);
    // An `unauthorized` of an earlier authorization, delivered after the re-authorization.
    expect(revocationApplies(10, 20)).toBe(false);
    // The same second: the withdrawal stands.
    expect(revocationApplies(20, 20)).toBe(true);
  });

  it('the newest time of each kind counts', () => {
    expect(latest(undefined, undefined)).toBeUndefined();
    expect(latest(3, undefined)).toBe(3);
    expect(latest(undefined, 4)).toBe(4);
    expect(latest(5, 4)).toBe(5);
  });
});
