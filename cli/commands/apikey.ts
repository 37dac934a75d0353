/**
 * Makes a gateway API key: the key, shown once, and the `gateway.apiKeys` entry holding only its
 * hash. Local: talks to nothing. Shared with `npm run apikey` (scripts/apikey.ts).
 */
import type { Command } from 'commander';
import { apiKeySchema, API_KEY_SCOPES, type ApiKeyConfig } from '../../config/config';
import { generateApiKey } from '../../gateway/plugins/auth';
import { usageError } from '../exit-codes';
import { outputOf } from '../context';
import { printJson } from '../output';

export interface ApiKeyRequest {
  name: string;
  scopes: string[];
  platforms?: string[];
  kinds?: string[];
  apps?: string[];
}

export const commaList = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** A new key and its config entry; a request the config would refuse is a usage error. */
export function createApiKey(request: ApiKeyRequest): { key: string; entry: ApiKeyConfig } {
  const { key, hash } = generateApiKey();
  const parsed = apiKeySchema.safeParse({ ...request, hash });
  if (!parsed.success) {
    throw usageError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '));
  }
  return { key, entry: parsed.data };
}

export function apiKeyText({ key, entry }: { key: string; entry: ApiKeyConfig }): string {
  return [
    `API key for "${entry.name}" (shown once; token-central keeps only its hash):`,
    '',
    `  ${key}`,
    '',
    'Add this entry to gateway.apiKeys in your config file:',
    '',
    JSON.stringify(entry, null, 2),
    '',
    `The service sends it as: Authorization: Bearer ${key.slice(0, 6)}…`,
    '',
  ].join('\n');
}

/** The options of `apikey`, shared by the CLI and `npm run apikey`. */
export function apiKeyOptions(command: Command): Command {
  return command
    .requiredOption('--name <name>', 'the consuming service (letters, digits, . _ -)')
    .requiredOption('--scopes <scopes>', `comma-separated: ${API_KEY_SCOPES.join(', ')}`, commaList)
    .option('--platforms <platforms>', 'limit to these platforms (comma-separated)', commaList)
    .option('--kinds <kinds>', 'limit to these credential kinds (comma-separated, e.g. app)', commaList)
    .option(
      '--apps <credentials>',
      'limit to these credentials (comma-separated): wechat:<appid> (own app or component), ' +
        'wechat:<componentAppid>/<authorizerAppid>, wechat:<componentAppid>/* (all its authorizers)',
      commaList,
    );
}

export function apiKeyCommand(program: Command): void {
  apiKeyOptions(
    program.command('apikey').description('Make a gateway API key and the config entry holding its hash'),
  ).action((options: ApiKeyRequest, command: Command) => {
    const created = createApiKey(options);
    const output = outputOf(command);
    if (output.json) printJson(output, created);
    else output.out(apiKeyText(created));
  });
}
