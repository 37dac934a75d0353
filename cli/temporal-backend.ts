/**
 * The CLI talking to Temporal directly, configured like every other process (config/config.ts:
 * `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS_*`, `TASK_QUEUE`,
 * `TOKEN_CENTRAL_CONFIG`) with the codec keys (`TOKEN_CENTRAL_CODEC_KEYS[_FILE]`; with neither, the
 * embedded server's `.data/codec-keys.json` if it exists — never a new one).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { listCredentials } from '../client/credential-list';
import { registerApp, revokeAuthorizer } from '../client/credentials';
import { TokenClient } from '../client/token-client';
import type { KeyRing } from '../codec/codec';
import { createDataConverter } from '../codec/data-converter';
import {
  CODEC_KEYS_ENV,
  CODEC_KEYS_FILE_ENV,
  GENERATED_KEYS_FILE,
  parseCodecKeysEnv,
  readCodecKeysFile,
} from '../codec/key-ring';
import { loadConfig, type Config } from '../config/config';
import { secretPolicyFromEnv, secretRefProblem } from '../config/secrets';
import { toApiJson } from '../gateway/api-json';
import { tokenBody } from '../gateway/routes/tokens';
import { credentialWorkflowId } from '../workflows/credential-ids';
import type { Backend, CredentialPageJson } from './backend';
import { CliError, EXIT, usageError } from './exit-codes';

/** The key ring from the environment, else the embedded server's generated file; never generates one. */
export function cliCodecKeys(env: NodeJS.ProcessEnv, config: Pick<Config, 'dataDir'>): KeyRing {
  const fromEnv = env[CODEC_KEYS_ENV]?.trim();
  const fromFile = env[CODEC_KEYS_FILE_ENV]?.trim();
  if (fromEnv) return parseCodecKeysEnv(fromEnv);
  if (fromFile) return readCodecKeysFile(fromFile);
  const generated = path.resolve(config.dataDir, GENERATED_KEYS_FILE);
  if (!env.TEMPORAL_ADDRESS && existsSync(generated)) return readCodecKeysFile(generated);
  throw usageError(
    `no codec keys: set ${CODEC_KEYS_ENV} or ${CODEC_KEYS_FILE_ENV} (the keys the server uses), or use --gateway`,
  );
}

export function loadCliConfig(env: NodeJS.ProcessEnv): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    throw usageError((err as Error).message);
  }
}

export async function temporalBackend(env: NodeJS.ProcessEnv = process.env): Promise<Backend> {
  const config = loadCliConfig(env);
  const dataConverter = createDataConverter(cliCodecKeys(env, config));
  const address = config.temporalConnection?.address ?? `127.0.0.1:${config.temporal.devServerPort}`;
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...config.temporalConnection, address, connectTimeout: '5s' });
  } catch (err) {
    throw new CliError(
      EXIT.unavailable,
      'unavailable',
      `cannot connect to Temporal at ${address}: ${(err as Error).message}`,
    );
  }
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter });
  const target = { client, taskQueue: config.temporal.taskQueue };
  const tokens = new TokenClient(client);

  return {
    async list(filter, page) {
      const { credentials, nextPageToken } = await listCredentials(client, filter, page);
      return toApiJson({ apps: credentials, nextPageToken }) as CredentialPageJson;
    },
    async describe(ref) {
      return toApiJson(await tokens.describe(ref)) as Record<string, unknown>;
    },
    async token(ref) {
      return tokenBody(credentialWorkflowId(ref), await tokens.getToken(ref));
    },
    async invalidate(ref, rejectedToken) {
      return tokenBody(credentialWorkflowId(ref), await tokens.reportInvalid(ref, rejectedToken));
    },
    async register(app) {
      const problem = secretRefProblem(app.secret, secretPolicyFromEnv(env));
      if (problem) throw usageError(`secret: ${problem}`);
      return { id: await registerApp(target, app) };
    },
    async revoke(ref) {
      return revokeAuthorizer(client, { ...ref, at: Date.now() });
    },
    async close() {
      await connection.close();
    },
  };
}
