/**
 * Resolves a secret by reference (env var or file), only inside activities, so no secret value
 * ever enters a workflow input, history or log. Errors name the reference, never a value.
 */
import { readFile } from 'node:fs/promises';
import type { SecretRef } from './config';

export class SecretUnavailable extends Error {
  override name = 'SecretUnavailable';
}

export function describeSecretRef(ref: SecretRef): string {
  return 'env' in ref ? `env var ${ref.env}` : `file ${ref.file}`;
}

export async function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  let value: string | undefined;
  if ('env' in ref) {
    value = env[ref.env];
  } else {
    try {
      value = await readFile(ref.file, 'utf8');
    } catch (err) {
      throw new SecretUnavailable(
        `secret ${describeSecretRef(ref)} unreadable: ${(err as NodeJS.ErrnoException).code}`,
      );
    }
  }
  value = value?.trim();
  if (!value) throw new SecretUnavailable(`secret ${describeSecretRef(ref)} is not set`);
  return value;
}
