/**
 * Where codec keys come from (codec/key-ring.ts): the environment or a file — the first key current,
 * the others kept for decoding — never both; errors name the variable or file and the key id, never
 * the value; with nothing configured, a generated key file (0600) for the embedded dev server,
 * reused on the next start — and a refusal to start against an external Temporal or in production;
 * plaintext payloads accepted only when TOKEN_CENTRAL_CODEC_ACCEPT_PLAINTEXT is exactly 1.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmCodec, type KeyRing } from '../../../codec/codec';
import {
  ACCEPT_PLAINTEXT_ENV,
  CODEC_KEYS_ENV,
  CODEC_KEYS_FILE_ENV,
  CodecKeyError,
  GENERATED_KEYS_FILE,
  loadCodecKeys,
} from '../../../codec/key-ring';

const k1 = randomBytes(32).toString('base64');
const k2 = randomBytes(32).toString('base64');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'codec-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Same key bytes ⇔ one ring decodes what the other encoded. */
async function sameKey(a: KeyRing, b: KeyRing, id: string): Promise<boolean> {
  const [encoded] = await new AesGcmCodec({ currentKeyId: id, keys: a.keys }).encode([
    defaultPayloadConverter.toPayload('x'),
  ]);
  return new AesGcmCodec(b).decode([encoded!]).then(
    () => true,
    () => false,
  );
}

function loadError(env: NodeJS.ProcessEnv, embedded = false): Error {
  try {
    loadCodecKeys({ env, dataDir: dir, embedded });
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected loadCodecKeys to fail');
}

describe('loadCodecKeys from the environment', () => {
  it('takes the first key as current and keeps the others for decoding', async () => {
    const { ring, notice } = loadCodecKeys({
      env: { [CODEC_KEYS_ENV]: `new=${k2}, old=${k1}` },
      dataDir: dir,
      embedded: false,
    });
    expect(notice).toBeUndefined();
    expect(ring.currentKeyId).toBe('new');
    expect([...ring.keys.keys()]).toEqual(['new', 'old']);
    const oldOnly = loadCodecKeys({ env: { [CODEC_KEYS_ENV]: `old=${k1}` }, dataDir: dir, embedded: false }).ring;
    expect(await sameKey(ring, oldOnly, 'old')).toBe(true);
  });

  const short = randomBytes(16).toString('base64');
  const typo = `${k1.slice(0, -5)}!!!!=`;
  const bare = k1.replace(/=+$/, '');
  it.each([
    ['a short key', `short=${short}`, short, /TOKEN_CENTRAL_CODEC_KEYS: key "short" must decode to 32 bytes, got 16/],
    ['bad base64', `typo=${typo}`, typo, /TOKEN_CENTRAL_CODEC_KEYS: key "typo" is not valid base64/],
    ['a bare key', k1, k1, /TOKEN_CENTRAL_CODEC_KEYS: entry 2 is not of the form id=base64key/],
    ['a bare unpadded key', bare, bare, /TOKEN_CENTRAL_CODEC_KEYS: entry 2 is not of the form id=base64key/],
    ['a key as id', `${bare}x=${k1}`, bare, /TOKEN_CENTRAL_CODEC_KEYS: invalid key id/],
  ])('rejects %s naming the key id and variable, never the value', (_, entry, secretPart, expected) => {
    const error = loadError({ [CODEC_KEYS_ENV]: `good=${k2},${entry}` });
    expect(error).toBeInstanceOf(CodecKeyError);
    expect(error.message).toMatch(expected);
    expect(error.message).not.toContain(k2.slice(0, 12));
    expect(error.message).not.toContain(secretPart.slice(0, 12));
    expect(error.message).not.toContain(secretPart.slice(-13, -1));
  });

  it('refuses both sources at once', () => {
    expect(loadError({ [CODEC_KEYS_ENV]: `a=${k1}`, [CODEC_KEYS_FILE_ENV]: 'x.json' }).message).toMatch(/only one/);
  });
});

describe('loadCodecKeys from a file', () => {
  it('reads current and keys', async () => {
    const file = path.join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ current: 'b', keys: { a: k1, b: k2 } }));
    const { ring } = loadCodecKeys({ env: { [CODEC_KEYS_FILE_ENV]: file }, dataDir: dir, embedded: false });
    expect(ring.currentKeyId).toBe('b');
    const fromEnv = loadCodecKeys({ env: { [CODEC_KEYS_ENV]: `a=${k1}` }, dataDir: dir, embedded: false }).ring;
    expect(await sameKey(ring, fromEnv, 'a')).toBe(true);
  });

  it('names the file variable and key id on a bad key, never the value', () => {
    const file = path.join(dir, 'keys.json');
    const short = randomBytes(31).toString('base64');
    writeFileSync(file, JSON.stringify({ current: 'a', keys: { a: k1, weak: short } }));
    const error = loadError({ [CODEC_KEYS_FILE_ENV]: file });
    expect(error.message).toContain(CODEC_KEYS_FILE_ENV);
    expect(error.message).toContain('"weak"');
    expect(error.message).not.toContain(short);
    expect(error.message).not.toContain(k1);
  });

  it('rejects a current id that has no key, and unreadable JSON without echoing it', () => {
    const file = path.join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ current: 'missing', keys: { a: k1 } }));
    expect(loadError({ [CODEC_KEYS_FILE_ENV]: file }).message).toMatch(/"missing" is not in the key ring/);
    writeFileSync(file, `{"current":"a","keys":{"a":"${k1}"`);
    const error = loadError({ [CODEC_KEYS_FILE_ENV]: file });
    expect(error.message).toMatch(/cannot read codec key file/);
    expect(error.message).not.toContain(k1.slice(0, 8));
  });
});

describe('loadCodecKeys with no key configured', () => {
  it('generates a key file for the embedded server (0600) and reuses it on the next start', async () => {
    const first = loadCodecKeys({ env: {}, dataDir: dir, embedded: true });
    const file = path.join(dir, GENERATED_KEYS_FILE);
    expect(first.notice).toMatch(/generated/);
    expect(first.notice).toContain(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { current: string; keys: Record<string, string> };
    expect(first.notice).not.toContain(stored.keys[stored.current]);

    const second = loadCodecKeys({ env: {}, dataDir: dir, embedded: true });
    expect(second.ring.currentKeyId).toBe(first.ring.currentKeyId);
    expect(second.notice).toMatch(/using the generated key/);
    expect(await sameKey(first.ring, second.ring, first.ring.currentKeyId)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(stored);
  });

  it('prefers a configured key over generating one', () => {
    const { ring, notice } = loadCodecKeys({ env: { [CODEC_KEYS_ENV]: `cfg=${k1}` }, dataDir: dir, embedded: true });
    expect(ring.currentKeyId).toBe('cfg');
    expect(notice).toBeUndefined();
    expect(() => statSync(path.join(dir, GENERATED_KEYS_FILE))).toThrow();
  });

  it.each([
    ['against an external Temporal', {}, false],
    ['with NODE_ENV=production', { NODE_ENV: 'production' }, true],
  ])('refuses to start %s', (_, env, embedded) => {
    const error = loadError(env, embedded);
    expect(error).toBeInstanceOf(CodecKeyError);
    expect(error.message).toMatch(/Refusing to start/);
    expect(error.message).toContain(CODEC_KEYS_ENV);
    expect(() => statSync(path.join(dir, GENERATED_KEYS_FILE))).toThrow();
  });
});

describe('TOKEN_CENTRAL_CODEC_ACCEPT_PLAINTEXT', () => {
  const load = (value?: string) =>
    loadCodecKeys({
      env: { [CODEC_KEYS_ENV]: `k=${k1}`, ...(value === undefined ? {} : { [ACCEPT_PLAINTEXT_ENV]: value }) },
      dataDir: dir,
      embedded: false,
    });

  it('is off unless set to 1, and says so when on', async () => {
    expect(load().options).toEqual({});
    expect(load('0').options).toEqual({});
    const on = load('1');
    expect(on.options).toEqual({ acceptPlaintext: true });
    expect(on.notice).toMatch(/unencrypted payloads are accepted/);
    const plaintext = defaultPayloadConverter.toPayload('x');
    expect(await new AesGcmCodec(on.ring, on.options).decode([plaintext])).toEqual([plaintext]);
    await expect(new AesGcmCodec(on.ring, load().options).decode([plaintext])).rejects.toThrow(/unencrypted/);
  });

  it('refuses any other value', () => {
    for (const value of ['true', 'yes', '2']) expect(() => load(value)).toThrow(/must be 1/);
  });
});
