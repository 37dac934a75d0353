/**
 * The payload codec (codec/codec.ts, invariant 5): AES-256-GCM with a fresh IV per payload, the key
 * id in metadata and no plaintext bytes; older keys still decode, unknown ids and tampering fail
 * with errors that carry no key material; unencrypted payloads pass through; a logged ring prints
 * no key bytes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  AesGcmCodec,
  CodecError,
  createKeyRing,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA_KEY,
  type KeyRing,
} from '../../../codec/codec';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const ringA = createKeyRing('A', [['A', keyA]]);
const ringBA = createKeyRing('B', [
  ['B', keyB],
  ['A', keyA],
]);
const ringB = createKeyRing('B', [['B', keyB]]);

const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const secret = `access-token-${randomUUID()}`;
const plain = (): Payload => defaultPayloadConverter.toPayload({ token: secret, expiresIn: 7200 });

async function encodeWith(ring: KeyRing, payload = plain()) {
  const [encoded] = await new AesGcmCodec(ring).encode([payload]);
  return encoded!;
}

describe('AesGcmCodec', () => {
  it('round-trips a payload', async () => {
    const codec = new AesGcmCodec(ringA);
    const [decoded] = await codec.decode(await codec.encode([plain()]));
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ token: secret, expiresIn: 7200 });
  });

  it('names the encoding and key id in metadata and leaks no plaintext bytes', async () => {
    const encoded = await encodeWith(ringA);
    expect(text(encoded.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded.metadata![KEY_ID_METADATA_KEY])).toBe('A');
    expect(Object.keys(encoded.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA_KEY].sort());
    const data = Buffer.from(encoded.data!);
    expect(data.includes(secret)).toBe(false);
    expect(data.includes('json/plain')).toBe(false);
    expect(data.includes(secret.slice(-12))).toBe(false);
    // iv (12) + serialized payload + tag (16)
    expect(data.length).toBeGreaterThanOrEqual(12 + Buffer.byteLength(secret) + 16);
  });

  it('uses a fresh IV for every payload', async () => {
    const codec = new AesGcmCodec(ringA);
    const [one, two] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(one!.data!).subarray(0, 12).equals(Buffer.from(two!.data!).subarray(0, 12))).toBe(false);
    expect(Buffer.from(one!.data!).equals(Buffer.from(two!.data!))).toBe(false);
  });

  it('encodes with the current key and still decodes payloads written under an older one', async () => {
    const underA = await encodeWith(ringA);
    const rotated = new AesGcmCodec(ringBA);
    const [decoded] = await rotated.decode([underA]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ token: secret, expiresIn: 7200 });
    const [underB] = await rotated.encode([plain()]);
    expect(text(underB!.metadata![KEY_ID_METADATA_KEY])).toBe('B');
  });

  it('fails with an error naming an unknown key id, and no key material', async () => {
    const underA = await encodeWith(ringA);
    const error = await new AesGcmCodec(ringB).decode([underA]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CodecError);
    const message = (error as Error).message;
    expect(message).toContain('"A"');
    expect(message).not.toContain(keyA.toString('base64'));
    expect(message).not.toContain(keyB.toString('base64'));
    expect(message).not.toContain(secret);
  });

  it('rejects tampered ciphertext, tag or IV', async () => {
    const codec = new AesGcmCodec(ringA);
    const encoded = await encodeWith(ringA);
    for (const index of [0, 12, encoded.data!.length - 1]) {
      const data = Buffer.from(encoded.data!);
      data[index] ^= 0x01;
      await expect(codec.decode([{ ...encoded, data }])).rejects.toThrow(/key id "A".*authentication failed/);
    }
    await expect(codec.decode([{ ...encoded, data: Buffer.alloc(10) }])).rejects.toThrow(CodecError);
  });

  it('rejects the right key id paired with the wrong key', async () => {
    const impostor = createKeyRing('A', [['A', keyB]]);
    await expect(new AesGcmCodec(impostor).decode([await encodeWith(ringA)])).rejects.toThrow(/authentication failed/);
  });

  it('passes payloads that are not encrypted through decode unchanged', async () => {
    const payload = plain();
    const [decoded] = await new AesGcmCodec(ringA).decode([payload]);
    expect(decoded).toBe(payload);
  });

  it('validates the ring', () => {
    expect(() => createKeyRing('A', [['A', randomBytes(16)]])).toThrow(/"A" must be 32 bytes, got 16/);
    expect(() => createKeyRing('C', [['A', keyA]])).toThrow(/"C" is not in the key ring/);
    expect(() => createKeyRing('A', [['bad id', keyA]])).toThrow(/Invalid encryption key id/);
  });

  it('prints no key bytes when a ring is logged', () => {
    const shown = JSON.stringify(ringA) + inspect(ringA, { depth: 5 });
    expect(shown).not.toContain(keyA.toString('base64'));
    expect(shown).not.toContain(keyA.toString('hex'));
  });
});
