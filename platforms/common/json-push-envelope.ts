/**
 * The JSON push envelope shared by Douyin and Baidu: {Nonce, TimeStamp, Encrypt, MsgSignature}, signature inside
 * the body (platforms.md §3.1, §4.1). Only the prefix length and the trailer differ between the two.
 */
import { z } from 'zod';
import {
  checkTimestamp,
  computeSignature,
  decryptWithKeyRing,
  encryptMessage,
  PushCryptoError,
  verifySignature,
  type KeyRing,
  type KeyUsed,
  type PrefixLength,
  type RandomBytes,
} from './biz-msg-crypt';
import { readBoundedBody, DEFAULT_MAX_PUSH_BYTES } from './push-body';

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

export interface OpenJsonPushOptions {
  token: string;
  keys: KeyRing;
  prefixLength: PrefixLength;
  expectedTrailer: string;
  maxBodyBytes?: number;
  /** When both are set, pushes whose TimeStamp is further than maxSkewSeconds from nowSeconds are rejected. */
  nowSeconds?: number;
  maxSkewSeconds?: number;
}

export interface OpenedJsonPush {
  envelope: JsonPushEnvelope;
  plaintext: string;
  keyUsed: KeyUsed;
}

/** Verify first (cheap, key-independent), then decrypt: a forged body never reaches the cipher. */
export function openJsonPush(body: string | Buffer, opts: OpenJsonPushOptions): OpenedJsonPush {
  const envelope = parseJsonEnvelope(body, opts.maxBodyBytes);
  verifySignature(envelope.MsgSignature, opts.token, envelope.TimeStamp, envelope.Nonce, envelope.Encrypt);
  if (opts.nowSeconds !== undefined && opts.maxSkewSeconds !== undefined) {
    checkTimestamp(envelope.TimeStamp, opts.nowSeconds, opts.maxSkewSeconds);
  }
  const opened = decryptWithKeyRing(opts.keys, {
    prefixLength: opts.prefixLength,
    encrypt: envelope.Encrypt,
    expectedTrailer: opts.expectedTrailer,
  });
  return { envelope, plaintext: opened.message, keyUsed: opened.keyUsed };
}

export interface SealJsonPushInput {
  token: string;
  encodingAESKey: string;
  prefixLength: PrefixLength;
  trailer: string;
  plaintext: string;
  timestamp: string;
  nonce: string;
  random?: RandomBytes;
}

export function sealJsonPush(input: SealJsonPushInput): { envelope: JsonPushEnvelope; body: string } {
  const encrypt = encryptMessage({
    encodingAESKey: input.encodingAESKey,
    prefixLength: input.prefixLength,
    message: input.plaintext,
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

/** Decrypted payloads are JSON on both platforms; a schema mismatch is the sender's fault, not ours. */
export function parsePayload<T>(plaintext: string, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(plaintext);
  } catch {
    throw new PushCryptoError('bad_payload', `${what} is not JSON`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new PushCryptoError('bad_payload', `${what}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
