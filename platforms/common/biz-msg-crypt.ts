/**
 * The "BizMsgCrypt" push-message scheme shared by WeChat, Douyin and Baidu (docs/platforms.md §0.2, §2.3):
 * AES-256-CBC, key = base64(EncodingAESKey + '='), IV = key[0:16], PKCS#7 to a multiple of 32,
 * plaintext = random prefix ‖ uint32be(len) ‖ msg ‖ trailer, signature = sha1(sort(token, ts, nonce, encrypt)).
 * The platforms differ only in the prefix length (16 or 32) and in what the trailer holds.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export type PushCryptoErrorCode =
  | 'bad_signature'
  | 'bad_key'
  | 'bad_base64'
  | 'bad_padding'
  | 'truncated'
  | 'wrong_trailer'
  /** Decrypted, but the payload names another component / TP app than the trailer. */
  | 'wrong_appid'
  | 'stale_timestamp'
  | 'too_large'
  | 'bad_envelope'
  | 'bad_payload';

/** One error type with a machine-readable code, so the gateway can answer 4xx with a precise reason. */
export class PushCryptoError extends Error {
  override readonly name = 'PushCryptoError';
  constructor(
    readonly code: PushCryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Injectable so the sandbox can produce reproducible ciphertexts from its seeded rng. */
export type RandomBytes = (size: number) => Buffer;

export type PrefixLength = 16 | 32;

/** Pad block of the scheme: 32, not AES's 16 — library PKCS#7 (16) would reject pad values 17..32. */
export const PAD_BLOCK = 32;
const AES_BLOCK = 16;
const LENGTH_FIELD = 4;
const ENCODING_AES_KEY = /^[A-Za-z0-9]{43}$/;
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function decodeAesKey(encodingAESKey: string): Buffer {
  if (!ENCODING_AES_KEY.test(encodingAESKey)) {
    throw new PushCryptoError('bad_key', 'EncodingAESKey must be 43 characters of [a-zA-Z0-9]');
  }
  const key = Buffer.from(`${encodingAESKey}=`, 'base64');
  if (key.length !== 32) throw new PushCryptoError('bad_key', 'EncodingAESKey does not decode to 32 bytes');
  return key;
}

export function pkcs7Pad(data: Buffer, block = PAD_BLOCK): Buffer {
  const pad = block - (data.length % block);
  return Buffer.concat([data, Buffer.alloc(pad, pad)]);
}

export function pkcs7Unpad(data: Buffer, block = PAD_BLOCK): Buffer {
  const pad = data.length > 0 ? data[data.length - 1] : 0;
  if (pad < 1 || pad > block || pad > data.length) throw new PushCryptoError('bad_padding', `invalid pad value ${pad}`);
  for (let i = data.length - pad; i < data.length; i++) {
    if (data[i] !== pad) throw new PushCryptoError('bad_padding', 'pad bytes differ');
  }
  return data.subarray(0, data.length - pad);
}

/** Hex SHA1 of the parts sorted by code unit and concatenated (PHP SORT_STRING equals this for ASCII). */
export function sha1Sorted(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''), 'utf8')
    .digest('hex');
}

export function computeSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return sha1Sorted(token, timestamp, nonce, encrypt);
}

/** Constant-time check, so a forger cannot learn the signature byte by byte from response times. */
export function signatureMatches(expected: string, provided: string): boolean {
  const a = Buffer.from(expected.toLowerCase(), 'utf8');
  const b = Buffer.from(provided.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function verifySignature(
  provided: string,
  token: string,
  timestamp: string,
  nonce: string,
  encrypt: string,
): void {
  if (!signatureMatches(computeSignature(token, timestamp, nonce, encrypt), provided)) {
    throw new PushCryptoError('bad_signature', 'message signature does not match');
  }
}

/** Optional replay guard: platforms send unix seconds; callers pass their own clock. */
export function checkTimestamp(timestamp: string, nowSeconds: number, maxSkewSeconds: number): void {
  const ts = Number(timestamp);
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - ts) > maxSkewSeconds) {
    throw new PushCryptoError('stale_timestamp', `timestamp ${timestamp} outside ±${maxSkewSeconds}s`);
  }
}

export interface EncryptInput {
  encodingAESKey: string;
  prefixLength: PrefixLength;
  message: string | Buffer;
  trailer: string;
  random?: RandomBytes;
}

/** Returns the base64 ciphertext that goes into `Encrypt`. */
export function encryptMessage(input: EncryptInput): string {
  const key = decodeAesKey(input.encodingAESKey);
  const prefix = (input.random ?? randomBytes)(input.prefixLength);
  if (prefix.length !== input.prefixLength) throw new Error('random source returned the wrong number of bytes');
  const body = typeof input.message === 'string' ? Buffer.from(input.message, 'utf8') : input.message;
  const length = Buffer.alloc(LENGTH_FIELD);
  length.writeUInt32BE(body.length, 0);
  const plain = pkcs7Pad(Buffer.concat([prefix, length, body, Buffer.from(input.trailer, 'utf8')]));
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, AES_BLOCK));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

export interface Decrypted {
  message: string;
  trailer: string;
}

export interface DecryptInput {
  encodingAESKey: string;
  prefixLength: PrefixLength;
  encrypt: string;
  /** WeChat component appid / Douyin TP appid / Baidu client_id. */
  expectedTrailer: string;
}

export function decodeCiphertext(encrypt: string): Buffer {
  const compact = encrypt.replace(/\s+/g, '');
  if (!STRICT_BASE64.test(compact)) throw new PushCryptoError('bad_base64', 'Encrypt is not valid base64');
  const data = Buffer.from(compact, 'base64');
  if (data.length === 0 || data.length % AES_BLOCK !== 0) {
    throw new PushCryptoError('truncated', `ciphertext length ${data.length} is not a positive multiple of 16`);
  }
  return data;
}

export function decryptMessage(input: DecryptInput): Decrypted {
  const key = decodeAesKey(input.encodingAESKey);
  const data = decodeCiphertext(input.encrypt);
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, AES_BLOCK));
  decipher.setAutoPadding(false);
  const plain = pkcs7Unpad(Buffer.concat([decipher.update(data), decipher.final()]));
  const bodyStart = input.prefixLength + LENGTH_FIELD;
  if (plain.length < bodyStart) throw new PushCryptoError('truncated', 'plaintext shorter than prefix and length');
  const length = plain.readUInt32BE(input.prefixLength);
  if (bodyStart + length > plain.length) {
    throw new PushCryptoError('truncated', `declared length ${length} exceeds the plaintext`);
  }
  const trailer = plain.subarray(bodyStart + length).toString('utf8');
  if (trailer !== input.expectedTrailer) {
    throw new PushCryptoError('wrong_trailer', `message addressed to ${JSON.stringify(trailer)}`);
  }
  return { message: plain.subarray(bodyStart, bodyStart + length).toString('utf8'), trailer };
}

export interface KeyRing {
  current: string;
  /** Kept after a key change so pushes encrypted with the old key still open (docs/platforms.md §2.3). */
  previous?: string;
}

export type KeyUsed = 'current' | 'previous';

// Later stages mean the key got further: a wrong-trailer error under one key says more than bad padding under another.
const STAGE: Partial<Record<PushCryptoErrorCode, number>> = { bad_padding: 1, truncated: 2, wrong_trailer: 3 };

/** Tries the current key, then the previous one; reports which one opened the message. */
export function decryptWithKeyRing(
  keys: KeyRing,
  input: Omit<DecryptInput, 'encodingAESKey'>,
): Decrypted & { keyUsed: KeyUsed } {
  // Malformed input fails the same way under every key, so reject it before trying any.
  decodeCiphertext(input.encrypt);
  const candidates: [KeyUsed, string][] = [['current', keys.current]];
  if (keys.previous) candidates.push(['previous', keys.previous]);
  let best: PushCryptoError | undefined;
  for (const [keyUsed, encodingAESKey] of candidates) {
    try {
      return { ...decryptMessage({ ...input, encodingAESKey }), keyUsed };
    } catch (err) {
      if (!(err instanceof PushCryptoError) || err.code === 'bad_key') throw err;
      if (!best || (STAGE[err.code] ?? 0) > (STAGE[best.code] ?? 0)) best = err;
    }
  }
  throw best ?? new PushCryptoError('bad_key', 'no key configured');
}
