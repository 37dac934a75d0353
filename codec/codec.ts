/**
 * AES-256-GCM payload codec: what keeps tokens out of Temporal history in the clear (docs/architecture.md invariant 5).
 *
 * An encoded payload's data is iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes) of the serialized
 * original Payload; its metadata names the encoding, the key id, the format and, when the SDK
 * supplies it, the workflow the payload belongs to. Format 2 binds all of them to the ciphertext as
 * AES-GCM associated data, so metadata cannot be swapped without the tag failing, and a payload
 * copied from one workflow's history into a signal to another is refused where the SDK says which
 * workflow it decodes for. Encoding always uses the ring's current key; decoding uses whichever key
 * the payload names, so rotation never strands history.
 *
 * Decoding refuses what is not encrypted: anyone with Temporal access but no keys could otherwise
 * send a plaintext signal (a token or a secret reference of their choice). `acceptPlaintext` is for
 * reading history written before encryption, and must be asked for.
 * Errors name key ids only: never key material, never payload contents.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import type { Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';
/** Absent on format 1 (no associated data), written before format 2; still read, see SECURITY.md. */
export const FORMAT_METADATA_KEY = 'encryption-format';
export const CURRENT_FORMAT = '2';
/** The namespace and workflow a payload was encoded for (SDK serialization context), when known. */
export const NAMESPACE_METADATA_KEY = 'encryption-namespace';
export const WORKFLOW_ID_METADATA_KEY = 'encryption-workflow-id';
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

export interface CodecOptions {
  /**
   * Decode payloads that are not encrypted as they are (TOKEN_CENTRAL_CODEC_ACCEPT_PLAINTEXT=1): only
   * to read history written before encryption was enabled. Anyone with Temporal access can then
   * send plaintext signals.
   */
  acceptPlaintext?: boolean;
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

/** Which workflow a payload belongs to, from the SDK's (experimental, 1.24) serialization context. */
interface Owner {
  namespace?: string;
  workflowId?: string;
}

function ownerOf(context: SerializationContext | undefined): Owner {
  return { namespace: context?.namespace || undefined, workflowId: context?.workflowId || undefined };
}

/** The associated data of format 2: everything the metadata claims, authenticated with the ciphertext. */
function associatedData(keyId: string, owner: Owner): Buffer {
  const fields = [
    'token-central/payload',
    `format=${CURRENT_FORMAT}`,
    ENCRYPTED_ENCODING,
    keyId,
    `namespace=${owner.namespace ?? ''}`,
    `workflow=${owner.workflowId ?? ''}`,
  ];
  return Buffer.from(fields.join('\0'), 'utf8');
}

export class AesGcmCodec implements PayloadCodec {
  constructor(
    private readonly ring: KeyRing,
    private readonly options: CodecOptions = {},
  ) {}

  async encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    const keyId = this.ring.currentKeyId;
    const key = this.ring.keys.get(keyId)!;
    const owner = ownerOf(context);
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(associatedData(keyId, owner));
      const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: encoder.encode(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA_KEY]: encoder.encode(keyId),
          [FORMAT_METADATA_KEY]: encoder.encode(CURRENT_FORMAT),
          ...(owner.namespace ? { [NAMESPACE_METADATA_KEY]: encoder.encode(owner.namespace) } : {}),
          ...(owner.workflowId ? { [WORKFLOW_ID_METADATA_KEY]: encoder.encode(owner.workflowId) } : {}),
        },
        data,
      };
    });
  }

  /**
   * With a context (worker, client), a payload bound to another namespace or workflow is refused;
   * without one (the codec server: the Web UI sends no workflow id) the bound owner is only checked
   * for integrity.
   */
  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload, ownerOf(context)));
  }

  private decodeOne(payload: Payload, expected: Owner): Payload {
    const encoding = payload.metadata?.encoding;
    if (!encoding || decoder.decode(encoding) !== ENCRYPTED_ENCODING) {
      if (this.options.acceptPlaintext) return payload;
      throw new CodecError(
        'Refusing an unencrypted payload: every payload must be encrypted with the codec ' +
          '(set TOKEN_CENTRAL_CODEC_ACCEPT_PLAINTEXT=1 only to read history written before encryption)',
      );
    }
    const rawId = payload.metadata?.[KEY_ID_METADATA_KEY];
    if (!rawId) throw new CodecError(`Encrypted payload has no "${KEY_ID_METADATA_KEY}" metadata`);
    const keyId = decoder.decode(rawId);
    const shownId = JSON.stringify(keyId.slice(0, 64));
    const key = this.ring.keys.get(keyId);
    if (!key) {
      const held = [...this.ring.keys.keys()].join(', ');
      throw new CodecError(`Cannot decrypt payload: unknown encryption key id ${shownId} (key ring holds: ${held})`);
    }
    const rawFormat = payload.metadata?.[FORMAT_METADATA_KEY];
    const format = rawFormat ? decoder.decode(rawFormat) : '1';
    if (format !== '1' && format !== CURRENT_FORMAT) {
      throw new CodecError(`Cannot decrypt payload with encryption key id ${shownId}: unknown format`);
    }
    const owner: Owner = {
      namespace: textOf(payload.metadata?.[NAMESPACE_METADATA_KEY]),
      workflowId: textOf(payload.metadata?.[WORKFLOW_ID_METADATA_KEY]),
    };
    for (const field of ['namespace', 'workflowId'] as const) {
      if (owner[field] !== undefined && expected[field] !== undefined && owner[field] !== expected[field]) {
        throw new CodecError(
          `Refusing a payload encrypted for another ${field === 'namespace' ? 'namespace' : 'workflow'}`,
        );
      }
    }
    const data = payload.data ?? new Uint8Array();
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new CodecError(`Cannot decrypt payload with encryption key id ${shownId}: data too short`);
    }
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      // Format 1 had no associated data. Stripping the format marker off a format 2 payload to pass
      // it for format 1 fails here too: its tag covers the associated data.
      if (format === CURRENT_FORMAT) decipher.setAAD(associatedData(keyId, owner));
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

function textOf(bytes: Uint8Array | null | undefined): string | undefined {
  return bytes && bytes.length > 0 ? decoder.decode(bytes) : undefined;
}
