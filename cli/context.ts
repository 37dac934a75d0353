/** The options every command shares, and the backend they choose. */
import type { Command } from 'commander';
import type { Backend } from './backend';
import { stdio, type Output } from './output';

export interface GlobalOptions {
  gateway?: string;
  apiKey?: string;
  json?: boolean;
}

export const GATEWAY_URL_ENV = 'TOKEN_CENTRAL_GATEWAY_URL';
export const API_KEY_ENV = 'TOKEN_CENTRAL_API_KEY';

export function outputOf(command: Command): Output {
  return stdio(Boolean(command.optsWithGlobals<GlobalOptions>().json));
}

/** Runs `work` with the backend the options name (a gateway, else Temporal), closed afterwards. */
export async function withBackend(
  command: Command,
  work: (backend: Backend, output: Output) => Promise<void>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const options = command.optsWithGlobals<GlobalOptions>();
  const gatewayUrl = options.gateway ?? env[GATEWAY_URL_ENV];
  const backend = gatewayUrl
    ? lazy<typeof import('./gateway-backend')>('./gateway-backend').gatewayBackend(
        gatewayUrl,
        options.apiKey ?? env[API_KEY_ENV],
      )
    : await lazy<typeof import('./temporal-backend')>('./temporal-backend').temporalBackend(env);
  try {
    await work(backend, outputOf(command));
  } finally {
    await backend.close();
  }
}

/**
 * A module loaded on first use: the Temporal client alone takes a second to load, which `--help`
 * and the gateway mode skip. `require`, not `import()`: tsx runs the CLI as CommonJS.
 */
export function lazy<T>(id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(id) as T;
}

/** Reads all of stdin (for a token or payload given as `-`, kept out of the process list). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}
