/**
 * Where the payload codec's keys come from. Configured keys (env or file) always win; only the
 * embedded dev-server default may invent one, persisted so that its history stays readable across
 * restarts. Production refuses to start without a key rather than write tokens in the clear.
 * Errors name variables, files and key ids, never key values.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir } from '../config/private-dir';
import { CodecError, createKeyRing, isValidKeyId, KEY_BYTES, type CodecOptions, type KeyRing } from './codec';

export const CODEC_KEYS_ENV = 'TOKEN_CENTRAL_CODEC_KEYS';
export const CODEC_KEYS_FILE_ENV = 'TOKEN_CENTRAL_CODEC_KEYS_FILE';
export const GENERATED_KEYS_FILE = 'codec-keys.json';
/** `1`: decode unencrypted payloads as they are, to read history written before encryption. */
export const ACCEPT_PLAINTEXT_ENV = 'TOKEN_CENTRAL_CODEC_ACCEPT_PLAINTEXT';

export class CodecKeyError extends Error {
  override name = 'CodecKeyError';
}

export interface LoadCodecKeysOptions {
  env: NodeJS.ProcessEnv;
  /** Where the embedded default keeps its generated key. */
  dataDir: string;
  /** True for the embedded dev server (no TEMPORAL_ADDRESS): only then may a key be generated. */
  embedded: boolean;
}

export interface LoadedCodecKeys {
  ring: KeyRing;
  /** For createDataConverter: what the operator asked of the codec beyond the keys. */
  options: CodecOptions;
  /** Something the operator should know (a key was generated or reused); say it once at start. */
  notice?: string;
}

/** Only the exact value `1` opens the door to plaintext payloads; anything else is a mistake. */
export function codecOptionsFromEnv(env: NodeJS.ProcessEnv): CodecOptions {
  const value = env[ACCEPT_PLAINTEXT_ENV]?.trim();
  if (!value || value === '0') return {};
  if (value !== '1') throw new CodecKeyError(`${ACCEPT_PLAINTEXT_ENV} must be 1 (or unset)`);
  return { acceptPlaintext: true };
}

const PLAINTEXT_WARNING =
  `${ACCEPT_PLAINTEXT_ENV}=1: unencrypted payloads are accepted, so anyone with Temporal access can send ` +
  'plaintext signals. Unset it once the history written before encryption is no longer read.';

function withOptions(loaded: { ring: KeyRing; notice?: string }, env: NodeJS.ProcessEnv): LoadedCodecKeys {
  const options = codecOptionsFromEnv(env);
  const notices = [loaded.notice, options.acceptPlaintext ? PLAINTEXT_WARNING : undefined].filter(Boolean);
  return { ring: loaded.ring, options, ...(notices.length ? { notice: notices.join(' ') } : {}) };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict base64 to exactly 32 bytes; `source` names where the key came from, for the error. */
function decodeKey(id: string, value: unknown, source: string): Buffer {
  // Not echoed: a malformed "id" may well be a pasted key.
  if (!isValidKeyId(id)) throw new CodecKeyError(`${source}: invalid key id (use 1-64 letters, digits, . _ -)`);
  const text = typeof value === 'string' ? value.trim() : '';
  // Buffer.from silently skips invalid characters, so a typo would otherwise become a different key.
  if (!text || !BASE64.test(text)) throw new CodecKeyError(`${source}: key "${id}" is not valid base64`);
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== KEY_BYTES) {
    throw new CodecKeyError(`${source}: key "${id}" must decode to ${KEY_BYTES} bytes, got ${bytes.length}`);
  }
  return bytes;
}

function toRing(currentKeyId: string, keys: Array<[string, Buffer]>, source: string): KeyRing {
  try {
    return createKeyRing(currentKeyId, keys);
  } catch (err) {
    if (err instanceof CodecError) throw new CodecKeyError(`${source}: ${err.message}`);
    throw err;
  }
}

/** `id1=base64,id2=base64`; the first key is the current one. */
export function parseCodecKeysEnv(value: string, source = CODEC_KEYS_ENV): KeyRing {
  const entries = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new CodecKeyError(`${source}: no keys (expected id1=base64key1,id2=base64key2)`);
  const keys = entries.map((entry, index): [string, Buffer] => {
    const eq = entry.indexOf('=');
    const value = entry.slice(eq + 1).replace(/=+$/, '');
    // A bare key has no "=" or only its padding: never echo it, not even as an id.
    if (eq <= 0 || value.trim() === '') {
      throw new CodecKeyError(`${source}: entry ${index + 1} is not of the form id=base64key`);
    }
    const id = entry.slice(0, eq).trim();
    return [id, decodeKey(id, entry.slice(eq + 1), source)];
  });
  return toRing(keys[0]![0], keys, source);
}

/** JSON `{"current":"id","keys":{"id":"base64"}}`. */
export function readCodecKeysFile(file: string, source = `${CODEC_KEYS_FILE_ENV} (${file})`): KeyRing {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'not valid JSON';
    throw new CodecKeyError(`${source}: cannot read codec key file (${reason})`);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new CodecKeyError(`${source}: not a JSON object`);
  const { current, keys } = parsed as { current?: unknown; keys?: unknown };
  if (typeof current !== 'string') throw new CodecKeyError(`${source}: "current" must be a key id`);
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
    throw new CodecKeyError(`${source}: "keys" must be an object of id → base64 key`);
  }
  const entries = Object.entries(keys).map(([id, value]): [string, Buffer] => [id, decodeKey(id, value, source)]);
  return toRing(current, entries, source);
}

/** Writes a fresh key file readable by the owner only; fails rather than overwrite one. */
function generateKeysFile(file: string): void {
  ensurePrivateDir(path.dirname(file));
  const id = `local-${randomBytes(4).toString('hex')}`;
  const body = { current: id, keys: { [id]: randomBytes(KEY_BYTES).toString('base64') } };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}

export function loadCodecKeys(opts: LoadCodecKeysOptions): LoadedCodecKeys {
  return withOptions(loadRing(opts), opts.env);
}

function loadRing(opts: LoadCodecKeysOptions): { ring: KeyRing; notice?: string } {
  const { env, dataDir, embedded } = opts;
  const fromEnv = env[CODEC_KEYS_ENV]?.trim();
  const fromFile = env[CODEC_KEYS_FILE_ENV]?.trim();
  if (fromEnv && fromFile) {
    throw new CodecKeyError(`Set only one of ${CODEC_KEYS_ENV} and ${CODEC_KEYS_FILE_ENV}`);
  }
  if (fromEnv) return { ring: parseCodecKeysEnv(fromEnv) };
  if (fromFile) return { ring: readCodecKeysFile(fromFile) };

  if (!embedded || env.NODE_ENV === 'production') {
    throw new CodecKeyError(
      `No payload encryption key: set ${CODEC_KEYS_ENV} (id=base64key, 32 bytes; e.g. ` +
        `"k1=$(openssl rand -base64 32)") or ${CODEC_KEYS_FILE_ENV}. ` +
        'Refusing to start: tokens would be stored in Temporal history unencrypted.',
    );
  }
  const file = path.resolve(dataDir, GENERATED_KEYS_FILE);
  let generated = false;
  try {
    generateKeysFile(file);
    generated = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const ring = readCodecKeysFile(file, `generated codec key file ${file}`);
  const notice = generated
    ? `No codec key configured: generated ${file} (key "${ring.currentKeyId}") for the embedded server. ` +
      `Keep it: history written with it cannot be read without it. Set ${CODEC_KEYS_ENV} or ${CODEC_KEYS_FILE_ENV} in production.`
    : `No codec key configured: using the generated key "${ring.currentKeyId}" in ${file}.`;
  return { ring, notice };
}
