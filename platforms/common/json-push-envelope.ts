/**
 * The JSON push envelope shared by Douyin and Baidu: {Nonce, TimeStamp, Encrypt, MsgSignature}, signature inside
 * the body (docs/platforms.md §3.1, §4.1). Only the prefix length, the trailer (each platform's app id) and the
 * decrypted payload's schema differ between the two: each platform's push-crypto.ts names them.
 */
import { z } from 'zod';
import {
  checkTimestamp,
  computeSignature,
  decryptWithKeyRing,
  encryptMessage,
  PushCryptoError,
  verifySignature,
  type KeyUsed,
  type PrefixLength,
  type RandomBytes,
} from './biz-msg-crypt';
import type { PushAction, PushCheck, PushReader } from '../tp-adapter';
import { readBoundedBody, DEFAULT_MAX_PUSH_BYTES } from './push-body';
import { messageDigest, unhandledEvent, type UnhandledEvent } from './unhandled-event';

// Documented as strings; numbers are accepted because the signature is computed over the decimal text anyway.
const textual = z.union([z.string(), z.number().transform(String)]);

const envelopeSchema = z.object({
  Nonce: textual,
  TimeStamp: textual,
  Encrypt: z.string().min(1),
  MsgSignature: z.string().regex(/^[0-9a-fA-F]{40}$/),
});

export type JsonPushEnvelope = z.infer<typeof envelopeSchema>;

export function parseJsonEnvelope(body: string | Buffer, maxBytes = DEFAULT_MAX_PUSH_BYTES): JsonPushEnvelope {
  const text = readBoundedBody(body, maxBytes);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new PushCryptoError('bad_envelope', 'push body is not JSON');
  }
  const parsed = envelopeSchema.safeParse(raw);
  if (!parsed.success) throw new PushCryptoError('bad_envelope', `push envelope: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** A platform's side of the envelope: the random prefix's length and the decrypted payload's schema. */
export interface JsonPushFormat<M> {
  /** Names the payload in error messages ('Douyin push'). */
  name: string;
  prefixLength: PrefixLength;
  schema: z.ZodType<M>;
  /** Where the payload names its type (first string wins), and the types `schema` handles; others are unhandled events. */
  eventFields: readonly string[];
  handledEvents: ReadonlySet<string>;
}

/** What the receiver checks a push with; `trailer` is the platform's app id (Douyin TP appid, Baidu client_id). */
export interface JsonPushReceiver {
  token: string;
  encodingAESKey: string;
  previousEncodingAESKey?: string;
  trailer: string;
  maxBodyBytes?: number;
  /** With `nowSeconds`: pushes whose TimeStamp is further than this from it are rejected. */
  maxSkewSeconds?: number;
}

export interface OpenedJsonPush<M> {
  /** A handled message, or an event type the project does not act on. */
  message: M | UnhandledEvent;
  keyUsed: KeyUsed;
  envelope: JsonPushEnvelope;
  /** The decrypted message as sent; it holds tickets and codes, so only its digest leaves the reader. */
  plaintext: string;
}

/** Verify first (cheap, key-independent), then decrypt: a forged body never reaches the cipher. */
export function openJsonPush<M>(
  format: JsonPushFormat<M>,
  receiver: JsonPushReceiver,
  body: string | Buffer,
  opts: { nowSeconds?: number },
): OpenedJsonPush<M> {
  const envelope = parseJsonEnvelope(body, receiver.maxBodyBytes);
  verifySignature(envelope.MsgSignature, receiver.token, envelope.TimeStamp, envelope.Nonce, envelope.Encrypt);
  if (opts.nowSeconds !== undefined && receiver.maxSkewSeconds !== undefined) {
    checkTimestamp(envelope.TimeStamp, opts.nowSeconds, receiver.maxSkewSeconds);
  }
  const opened = decryptWithKeyRing(
    { current: receiver.encodingAESKey, previous: receiver.previousEncodingAESKey },
    { prefixLength: format.prefixLength, encrypt: envelope.Encrypt, expectedTrailer: receiver.trailer },
  );
  const message = parsePayload(opened.message, format.schema, format.name, (raw) =>
    unhandledEvent(raw, format.eventFields, format.handledEvents),
  );
  return { message, keyUsed: opened.keyUsed, envelope, plaintext: opened.message };
}

export interface SealJsonPushInput<M> {
  token: string;
  encodingAESKey: string;
  /** A typed message, or raw JSON text (the sandbox uses raw text to simulate malformed payloads). */
  message: M | string;
  timestamp: string;
  nonce: string;
  random?: RandomBytes;
}

/** Sandbox side: the POST body the platform would send to the 授权事件接收 URL. */
export function sealJsonPush<M>(
  format: JsonPushFormat<M>,
  input: SealJsonPushInput<M> & { trailer: string },
): { body: string; envelope: JsonPushEnvelope } {
  const encrypt = encryptMessage({
    encodingAESKey: input.encodingAESKey,
    prefixLength: format.prefixLength,
    message: typeof input.message === 'string' ? input.message : JSON.stringify(input.message),
    trailer: input.trailer,
    random: input.random,
  });
  const envelope: JsonPushEnvelope = {
    Nonce: input.nonce,
    TimeStamp: input.timestamp,
    Encrypt: encrypt,
    MsgSignature: computeSignature(input.token, input.timestamp, input.nonce, encrypt),
  };
  return { envelope, body: JSON.stringify(envelope) };
}

/**
 * Decrypted payloads are JSON on both platforms; a schema mismatch is the sender's fault, not ours.
 * `unhandled` recognises a payload of a type the schema does not cover, which is returned as it is.
 */
export function parsePayload<T, U = never>(
  plaintext: string,
  schema: z.ZodType<T>,
  what: string,
  unhandled?: (raw: unknown) => U | undefined,
): T | U {
  let raw: unknown;
  try {
    raw = JSON.parse(plaintext);
  } catch {
    throw new PushCryptoError('bad_payload', `${what} is not JSON`);
  }
  const other = unhandled?.(raw);
  if (other !== undefined) return other;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new PushCryptoError('bad_payload', `${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** Douyin and Baidu push JSON; the receiver takes these as raw text, since the signature covers the body as sent. */
export const JSON_PUSH_CONTENT_TYPES = ['application/json', 'text/plain', 'application/octet-stream'] as const;

/** Pushes carry Beijing-time datetimes ("YYYY-MM-DD HH:MM:SS"). */
export const beijingDatetime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'expected "YYYY-MM-DD HH:MM:SS"');

/** A `beijingDatetime` in epoch seconds (0 when it does not parse). */
export function beijingSeconds(datetime: string): number {
  const ms = Date.parse(`${datetime.replace(' ', 'T')}+08:00`);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

/** A JSON-envelope platform's push reader: `open` verifies and decodes; a push is known again by its message's digest. */
export function jsonPushReader(
  open: (check: PushCheck, body: string) => { action: PushAction; envelope: JsonPushEnvelope; plaintext: string },
): PushReader {
  return {
    bodyFormat: 'JSON',
    contentTypes: JSON_PUSH_CONTENT_TYPES,
    open(check, { body }) {
      const { action, envelope, plaintext } = open(check, body);
      return { action, duplicateKey: messageDigest(plaintext), timestamp: envelope.TimeStamp };
    },
  };
}
