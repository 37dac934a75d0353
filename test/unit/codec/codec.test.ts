/**
 * The payload codec (codec/codec.ts, invariant 5): AES-256-GCM with a fresh IV per payload, the key
 * id in metadata and no plaintext bytes; older keys still decode, unknown ids and tampering fail
 * with errors that carry no key material; the key id is bound as associated data; unencrypted
 * payloads are refused unless asked for; format-1 ciphertext still reads; a logged ring prints no
 * key bytes. The worker's wrapper reads refused payloads as absent.
 */
import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  AesGcmCodec,
  CodecError,
  createKeyRing,
  ENCRYPTED_ENCODING,
  FORMAT_METADATA_KEY,
  KEY_ID_METADATA_KEY,
  type KeyRing,
  WORKFLOW_ID_METADATA_KEY,
} from '../../../codec/codec';
import {
  ABSENT_PAYLOAD,
  createDataConverter,
  RefusedPayloadsReadAsAbsent,
  workerDataConverter,
} from '../../../codec/data-converter';
import { temporal } from '@temporalio/proto';

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
    expect(text(encoded.metadata![FORMAT_METADATA_KEY])).toBe('2');
    expect(Object.keys(encoded.metadata!).sort()).toEqual(
      ['encoding', KEY_ID_METADATA_KEY, FORMAT_METADATA_KEY].sort(),
    );
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

  it('refuses payloads that are not encrypted, naming the setting that reads old history', async () => {
    for (const payload of [plain(), { metadata: {}, data: Buffer.from('{}') }, {}]) {
      const error = await new AesGcmCodec(ringA).decode([payload]).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(CodecError);
      expect((error as Error).message).toMatch(/unencrypted payload.*TOKEN_CENTRAL_CODEC_ACCEPT_PLAINTEXT=1/);
      expect((error as Error).message).not.toContain(secret);
    }
  });

  it('passes unencrypted payloads through only when told to accept plaintext', async () => {
    const payload = plain();
    const [decoded] = await new AesGcmCodec(ringA, { acceptPlaintext: true }).decode([payload]);
    expect(decoded).toBe(payload);
    const [viaConverter] = await createDataConverter(ringA, { acceptPlaintext: true }).payloadCodecs![0]!.decode([
      payload,
    ]);
    expect(viaConverter).toBe(payload);
  });

  it('binds the ciphertext to its key id: relabelled under another id of the same key, it fails', async () => {
    // The same key bytes under two ids: only the associated data tells them apart.
    const twoIds = createKeyRing('A', [
      ['A', keyA],
      ['A2', keyA],
    ]);
    const encoded = await encodeWith(twoIds);
    const relabelled = { ...encoded, metadata: { ...encoded.metadata, [KEY_ID_METADATA_KEY]: Buffer.from('A2') } };
    await expect(new AesGcmCodec(twoIds).decode([relabelled])).rejects.toThrow(/"A2".*authentication failed/);
    const [intact] = await new AesGcmCodec(twoIds).decode([encoded]);
    expect(defaultPayloadConverter.fromPayload(intact!)).toEqual({ token: secret, expiresIn: 7200 });
  });

  it('cannot be downgraded: a format-2 payload stripped of its format marker fails', async () => {
    const encoded = await encodeWith(ringA);
    const { [FORMAT_METADATA_KEY]: _format, ...stripped } = encoded.metadata!;
    await expect(new AesGcmCodec(ringA).decode([{ ...encoded, metadata: stripped }])).rejects.toThrow(
      /authentication failed/,
    );
    const unknown = { ...encoded, metadata: { ...encoded.metadata, [FORMAT_METADATA_KEY]: Buffer.from('9') } };
    await expect(new AesGcmCodec(ringA).decode([unknown])).rejects.toThrow(/unknown format/);
  });

  it('binds a payload to the workflow it was encoded for, where the SDK says which', async () => {
    const codec = new AesGcmCodec(ringA);
    const forA = { type: 'workflow' as const, namespace: 'default', workflowId: 'app/wechat/wxA' };
    const [encoded] = await codec.encode([plain()], forA);
    expect(text(encoded!.metadata![WORKFLOW_ID_METADATA_KEY])).toBe('app/wechat/wxA');
    const [same] = await codec.decode([encoded!], forA);
    expect(defaultPayloadConverter.fromPayload(same!)).toEqual({ token: secret, expiresIn: 7200 });
    // The codec server decodes without a context: the owner is still authenticated, not compared.
    const [noContext] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(noContext!)).toEqual({ token: secret, expiresIn: 7200 });

    // Copied into a signal to another workflow, or another namespace: refused.
    await expect(codec.decode([encoded!], { ...forA, workflowId: 'app/wechat/wxB' })).rejects.toThrow(
      /encrypted for another workflow/,
    );
    await expect(codec.decode([encoded!], { ...forA, namespace: 'other' })).rejects.toThrow(
      /encrypted for another namespace/,
    );
    // Relabelled to pass for the other workflow: the tag fails.
    const relabelled = {
      ...encoded!,
      metadata: { ...encoded!.metadata, [WORKFLOW_ID_METADATA_KEY]: Buffer.from('app/wechat/wxB') },
    };
    await expect(codec.decode([relabelled], { ...forA, workflowId: 'app/wechat/wxB' })).rejects.toThrow(
      /authentication failed/,
    );
    const { [WORKFLOW_ID_METADATA_KEY]: _owner, ...unbound } = encoded!.metadata!;
    await expect(codec.decode([{ ...encoded!, metadata: unbound }], forA)).rejects.toThrow(/authentication failed/);
  });

  it('still reads format-1 ciphertext (no associated data, no format marker)', async () => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyA, iv);
    const serialized = temporal.api.common.v1.Payload.encode(plain()).finish();
    const data = Buffer.concat([iv, cipher.update(serialized), cipher.final(), cipher.getAuthTag()]);
    const legacy = {
      metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: Buffer.from('A') },
      data,
    };
    const [decoded] = await new AesGcmCodec(ringA).decode([legacy]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ token: secret, expiresIn: 7200 });
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

describe('RefusedPayloadsReadAsAbsent (the worker side)', () => {
  const refusals: string[] = [];
  const worker = new RefusedPayloadsReadAsAbsent(new AesGcmCodec(ringA), (reason) => refusals.push(reason));
  beforeEach(() => refusals.splice(0));

  it('reads unencrypted, forged and unknown-key payloads as absent, and says why', async () => {
    const forged = { ...(await encodeWith(ringA)), data: randomBytes(64) };
    const unknownKey = await encodeWith(ringB);
    const good = await encodeWith(ringA);
    const decoded = await worker.decode([plain(), forged, unknownKey, good]);
    expect(decoded.slice(0, 3)).toEqual([ABSENT_PAYLOAD, ABSENT_PAYLOAD, ABSENT_PAYLOAD]);
    expect(defaultPayloadConverter.fromPayload(decoded[0]!)).toBeUndefined();
    expect(defaultPayloadConverter.fromPayload(decoded[3]!)).toEqual({ token: secret, expiresIn: 7200 });
    expect(refusals).toHaveLength(3);
    expect(refusals.join(' ')).not.toContain(secret);
  });

  it('encodes exactly like the codec it wraps', async () => {
    const [encoded] = await worker.encode([plain()]);
    const [decoded] = await new AesGcmCodec(ringA).decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ token: secret, expiresIn: 7200 });
  });

  it('workerDataConverter wraps every codec and keeps the failure converter', async () => {
    const client = createDataConverter(ringA);
    const converted = workerDataConverter(client);
    expect(converted.failureConverterPath).toBe(client.failureConverterPath);
    expect(converted.payloadCodecs).toHaveLength(1);
    await expect(client.payloadCodecs![0]!.decode([plain()])).rejects.toThrow(CodecError);
    expect(await converted.payloadCodecs![0]!.decode([plain()])).toEqual([ABSENT_PAYLOAD]);
  });
});
