/**
 * AES-256-GCM payload codec: what keeps tokens out of Temporal history in the clear (docs/architecture.md invariant 5).
 *
 * An encoded payload's data is iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes) of the serialized
 * original Payload; its metadata names the encoding and the key id. Encoding always uses the ring's
 * current key; decoding uses whichever key the payload names, so rotation never strands history.
 * Errors name key ids only: never key material, never payload contents.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';
export const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
// At most 32 characters: an id is a short label, so a pasted 43-character key can never pass for one.
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;

export class CodecError extends Error {
  override name = 'CodecError';
}

/** Keys by id; held as KeyObjects so that logging a ring by accident prints no key bytes. */
export interface KeyRing {
  readonly currentKeyId: string;
  readonly keys: ReadonlyMap<string, KeyObject>;
}

export function isValidKeyId(id: string): boolean {
  return KEY_ID.test(id);
}

/** Validates ids and key lengths; `currentKeyId` must be one of `keys`. */
export function createKeyRing(currentKeyId: string, keys: Iterable<[string, Uint8Array]>): KeyRing {
  const ring = new Map<string, KeyObject>();
  for (const [id, bytes] of keys) {
    // Not echoed: a malformed id may be a misplaced key.
    if (!isValidKeyId(id)) throw new CodecError('Invalid encryption key id (use 1-32 letters, digits, . _ -)');
    if (bytes.length !== KEY_BYTES) {
      throw new CodecError(`Encryption key "${id}" must be ${KEY_BYTES} bytes, got ${bytes.length}`);
    }
    if (ring.has(id)) throw new CodecError(`Encryption key id "${id}" is given twice`);
    ring.set(id, createSecretKey(bytes));
  }
  if (!ring.has(currentKeyId)) {
    const shown = isValidKeyId(currentKeyId) ? `"${currentKeyId}"` : '(invalid id)';
    throw new CodecError(`Current encryption key id ${shown} is not in the key ring`);
  }
  return { currentKeyId, keys: ring };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly ring: KeyRing) {}

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.ring.currentKeyId;
    const key = this.ring.keys.get(keyId)!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: encoder.encode(keyId) },
        data,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  private decodeOne(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    // Payloads written before encryption was enabled (or by another codec) are left as they are.
    if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) return payload;
    const rawId = payload.metadata?.[KEY_ID_METADATA_KEY];
    if (!rawId) throw new CodecError(`Encrypted payload has no "${KEY_ID_METADATA_KEY}" metadata`);
    const keyId = decoder.decode(rawId);
    const shownId = JSON.stringify(keyId.slice(0, 64));
    const key = this.ring.keys.get(keyId);
    if (!key) {
      const held = [...this.ring.keys.keys()].join(', ');
      throw new CodecError(`Cannot decrypt payload: unknown encryption key id ${shownId} (key ring holds: ${held})`);
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new CodecError(`Cannot decrypt payload with encryption key id ${shownId}: data too short`);
    }
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      plaintext = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      // The cause is always "unable to authenticate data"; it carries nothing more worth keeping.
      throw new CodecError(
        `Cannot decrypt payload with encryption key id ${shownId}: authentication failed (wrong key or tampered data)`,
      );
    }
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}
