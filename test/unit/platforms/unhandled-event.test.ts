/**
 * Which verified pushes are event types the project does not act on (platforms/common/unhandled-event.ts,
 * issue 12 point 5), and the duplicate key of a push's message.
 */
import { eventLabel, messageDigest, unhandledEvent } from '../../../platforms/common/unhandled-event';

const handled = new Set(['PUSH', 'Ticket', 'AUTHORIZED', 'UNAUTHORIZED']);
const fields = ['Event', 'MsgType'];

it('a payload naming a type outside the handled ones is unhandled; handled, untyped and non-objects are not', () => {
  expect(unhandledEvent({ Event: 'PACKAGE_AUDIT_RESULT', TpAppId: 'tt1' }, fields, handled)).toEqual({
    unhandledEvent: 'PACKAGE_AUDIT_RESULT',
    payload: { Event: 'PACKAGE_AUDIT_RESULT', TpAppId: 'tt1' },
  });
  // The first field holding a string names the type.
  expect(unhandledEvent({ MsgType: 'Ticket', Event: 'PUSH' }, fields, handled)).toBeUndefined();
  expect(unhandledEvent({ Event: 7, MsgType: 'Notice' }, fields, handled)?.unhandledEvent).toBe('Notice');
  // Handled types go to their schema, which refuses what does not fit.
  expect(unhandledEvent({ Event: 'AUTHORIZED' }, fields, handled)).toBeUndefined();
  expect(unhandledEvent({ hello: 'world' }, fields, handled)).toBeUndefined();
  expect(unhandledEvent({ Event: '' }, fields, handled)).toBeUndefined();
  expect(unhandledEvent(['Event'], fields, handled)).toBeUndefined();
  expect(unhandledEvent(null, fields, handled)).toBeUndefined();
});

it('event labels stay one short line', () => {
  expect(eventLabel('notify_third_fasteregister')).toBe('notify_third_fasteregister');
  expect(eventLabel('a b\nc')).toBe('a?b?c');
  expect(eventLabel('x'.repeat(100))).toHaveLength(64);
});

it('the same message has the same key, another message another', () => {
  expect(messageDigest('<xml>a</xml>')).toBe(messageDigest('<xml>a</xml>'));
  expect(messageDigest('<xml>a</xml>')).not.toBe(messageDigest('<xml>b</xml>'));
  expect(messageDigest('<xml>a</xml>')).toMatch(/^[0-9a-f]{64}$/);
});
