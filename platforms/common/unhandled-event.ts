/**
 * Pushes of event types the project does not act on (other WeChat `InfoType`s, other Douyin and
 * Baidu events on the 授权事件接收 URL). Once verified and decrypted they are answered `success`
 * and logged by type, and nothing is signalled: an error answer would only make the platform
 * retry and alarm. A payload that names a handled type but does not fit its schema stays an error.
 */
import { createHash } from 'node:crypto';

export interface UnhandledEvent {
  /** The event type as the payload names it, made safe for a log line. */
  unhandledEvent: string;
  /** The decrypted payload, for the adapter's appid check; never logged. */
  payload: Readonly<Record<string, unknown>>;
}

export function isUnhandledEvent(message: object): message is UnhandledEvent {
  return 'unhandledEvent' in message;
}

/**
 * The event type of a decrypted payload the project does not handle: the first of `fields` that
 * holds a string, when it is not in `handled`. Undefined for handled types and for payloads that
 * name no type (those go to the schema, which refuses what it cannot read).
 */
export function unhandledEvent(
  payload: unknown,
  fields: readonly string[],
  handled: ReadonlySet<string>,
): UnhandledEvent | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return undefined;
  const record = payload as Record<string, unknown>;
  const name = fields.map((field) => record[field]).find((value): value is string => typeof value === 'string');
  if (name === undefined || name === '' || handled.has(name)) return undefined;
  return { unhandledEvent: eventLabel(name), payload: record };
}

/** Event types are short identifiers; anything else is cut and masked so a log line stays one line. */
export function eventLabel(name: string): string {
  return name.slice(0, 64).replace(/[^\w.:-]/g, '?');
}

/**
 * The key a push is recognised again by: a digest of its decrypted message, so the same message is
 * the same push however it was re-sent (the same envelope, its signature in other letter case, or
 * re-encrypted with a new nonce and timestamp).
 */
export function messageDigest(plaintext: string): string {
  return createHash('sha256').update(plaintext, 'utf8').digest('hex');
}
