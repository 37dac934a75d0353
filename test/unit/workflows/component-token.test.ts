/**
 * A component's ticket as its workflow sees it (workflows/component-token.ts, invariant 4): missing
 * until the first push, fresh, stale once pushes have been silent past the threshold (visible, and
 * for WeChat a reason to ask for pushes again), expired past its validity.
 */
import { ticketState } from '../../../workflows/component-token';

const settings = { secretRef: { env: 'X' }, ticketValidityMs: 12_000, staleTicketAfterMs: 3_000 };

it('ticket state: missing, fresh, stale after the silence, expired after its validity', () => {
  expect(ticketState(undefined, settings, 0)).toBe('missing');
  const ticket = { value: 'ticket@@@x', receivedAt: 1_000 };
  expect(ticketState(ticket, settings, 3_999)).toBe('fresh');
  expect(ticketState(ticket, settings, 4_000)).toBe('stale');
  expect(ticketState(ticket, settings, 13_000)).toBe('expired');
});

it('ticket state counts from the platform CreateTime: a ticket delivered late is as old as it is', () => {
  const late = { value: 'ticket@@@y', receivedAt: 10_000, createdAt: 1_000 };
  expect(ticketState(late, settings, 10_000)).toBe('stale');
  expect(ticketState(late, settings, 13_000)).toBe('expired');
});
