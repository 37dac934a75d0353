/**
 * Secret references (`{"env": NAME}` or `{"file": PATH}`): what may be named, and resolving them,
 * only inside activities and the push receiver, so no secret value ever enters a workflow input,
 * history or log. Errors name the reference, never a value, and never say whether a file exists.
 *
 * Whoever can register an app chooses a reference, and the worker sends what it resolves to the
 * platform. So references are confined: environment names must match a pattern, files must lie
 * under one secrets directory, and token-central's own variables can never be named.
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { SecretRef } from './config';

export class SecretUnavailable extends Error {
  override name = 'SecretUnavailable';
}

/** A regular expression environment-variable names must match (default DEFAULT_SECRET_ENV_PATTERN). */
export const SECRET_ENV_PATTERN_ENV = 'TOKEN_CENTRAL_SECRET_ENV_PATTERN';
/** The directory file references must lie in; without it, file references are refused. */
export const SECRETS_DIR_ENV = 'TOKEN_CENTRAL_SECRETS_DIR';
/**
 * Names with SECRET, TOKEN, AES or KEY as one of their underscore-separated words (`WX_MAIN_SECRET`,
 * `DY_AES_1`, `WXC_TOKEN_2`). A prefix of your own (`^TC_SECRET_[A-Z0-9_]+$`) narrows it further.
 */
export const DEFAULT_SECRET_ENV_PATTERN = '^(?:[A-Z0-9]+_)*(?:SECRET|TOKEN|AES|KEY)(?:_[A-Z0-9]+)*$';
/**
 * token-central's own settings and credentials (codec keys, codec server token, Temporal API key and
 * TLS), whatever the pattern says.
 */
const RESERVED_ENV = /^(?:TOKEN_CENTRAL_|TEMPORAL_|CODEC_SERVER_)/i;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface SecretPolicy {
  envPattern: RegExp;
  /** Absolute; undefined refuses every file reference. */
  dir?: string;
}

export class SecretPolicyError extends Error {
  override name = 'SecretPolicyError';
}

/** The policy from the process environment (not from the secrets' own environment, which may differ). */
export function secretPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): SecretPolicy {
  const source = env[SECRET_ENV_PATTERN_ENV]?.trim() || DEFAULT_SECRET_ENV_PATTERN;
  let envPattern: RegExp;
  try {
    envPattern = new RegExp(source);
  } catch {
    throw new SecretPolicyError(`${SECRET_ENV_PATTERN_ENV} is not a valid regular expression`);
  }
  const dir = env[SECRETS_DIR_ENV]?.trim();
  return { envPattern, ...(dir ? { dir: path.resolve(dir) } : {}) };
}

/**
 * Why a reference may not be used, or undefined. Lexical only (the file system is not touched), so
 * the answer never depends on whether a file exists.
 */
export function secretRefProblem(ref: SecretRef, policy: SecretPolicy): string | undefined {
  if ('env' in ref) {
    if (!ENV_NAME.test(ref.env)) return 'must be an environment variable name';
    if (RESERVED_ENV.test(ref.env)) {
      return `env ${ref.env} is one of token-central's own variables (TOKEN_CENTRAL_*, TEMPORAL_*, CODEC_SERVER_*) and cannot hold an app secret`;
    }
    if (!policy.envPattern.test(ref.env)) {
      return `env ${ref.env} does not match the allowed secret names (${policy.envPattern.source}; set ${SECRET_ENV_PATTERN_ENV} to change)`;
    }
    return undefined;
  }
  if (!policy.dir) return `file references need a secrets directory (set ${SECRETS_DIR_ENV})`;
  const { file } = ref;
  if (file.includes('\0') || file.split(/[\\/]/).includes('..')) {
    return `file references must not contain ".." (they lie under ${SECRETS_DIR_ENV})`;
  }
  const resolved = path.resolve(policy.dir, file);
  if (!resolved.startsWith(policy.dir + path.sep)) return `file references must lie under ${SECRETS_DIR_ENV}`;
  return undefined;
}

export function describeSecretRef(ref: SecretRef): string {
  return 'env' in ref ? `env var ${ref.env}` : `file ${ref.file}`;
}

/**
 * The file behind a reference, after following symlinks, only if it still lies under the secrets
 * directory; every failure (missing, unreadable, empty, outside) reads the same.
 */
async function readConfinedFile(file: string, dir: string): Promise<string> {
  const unavailable = new SecretUnavailable(`secret file ${file} is not a readable file under ${SECRETS_DIR_ENV}`);
  try {
    const [realDir, realFile] = await Promise.all([realpath(dir), realpath(path.resolve(dir, file))]);
    if (!realFile.startsWith(realDir + path.sep)) throw unavailable;
    const value = await readFile(realFile, 'utf8');
    // An empty file reads like a missing one.
    if (!value.trim()) throw unavailable;
    return value;
  } catch {
    throw unavailable;
  }
}

/**
 * `env` is where values come from (the worker's environment, or a test's map); `policy` what may be
 * named, from the process environment by default.
 */
export async function resolveSecret(
  ref: SecretRef,
  env: NodeJS.ProcessEnv = process.env,
  policy: SecretPolicy = secretPolicyFromEnv(),
): Promise<string> {
  // A reference stored before the policy (or sent by a key holder) is refused here too.
  const problem = secretRefProblem(ref, policy);
  if (problem) throw new SecretUnavailable(`secret ${describeSecretRef(ref)} refused: ${problem}`);
  const value = 'env' in ref ? env[ref.env] : await readConfinedFile(ref.file, policy.dir!);
  const trimmed = value?.trim();
  if (!trimmed) throw new SecretUnavailable(`secret ${describeSecretRef(ref)} is not set`);
  return trimmed;
}
