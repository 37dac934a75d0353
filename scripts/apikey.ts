/**
 * `npm run apikey -- --name billing --scopes read,invalidate [--platforms wechat] [--apps wx1,wx2]`
 *
 * Makes a gateway API key: prints the key once (give it to the service, keep it in its secret
 * store) and the `gateway.apiKeys` entry to add to the config, which holds only the key's hash.
 */
import { Command, InvalidArgumentError } from 'commander';
import { generateApiKey } from '../gateway/plugins/auth';
import { apiKeySchema, API_KEY_SCOPES } from '../config/config';

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

const program = new Command('apikey')
  .description('Make a gateway API key and the config entry holding its hash')
  .requiredOption('--name <name>', 'the consuming service (letters, digits, . _ -)')
  .requiredOption('--scopes <scopes>', `comma-separated: ${API_KEY_SCOPES.join(', ')}`, list)
  .option('--platforms <platforms>', 'limit to these platforms (comma-separated)', list)
  .option('--kinds <kinds>', 'limit to these credential kinds (comma-separated, e.g. app)', list)
  .option('--apps <appids>', 'limit to these appids (comma-separated)', list)
  .action((options: { name: string; scopes: string[]; platforms?: string[]; kinds?: string[]; apps?: string[] }) => {
    const { key, hash } = generateApiKey();
    const parsed = apiKeySchema.safeParse({ ...options, hash });
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
      throw new InvalidArgumentError(problems.join('; '));
    }
    process.stdout.write(
      [
        `API key for "${parsed.data.name}" (shown once; token-central keeps only its hash):`,
        '',
        `  ${key}`,
        '',
        'Add this entry to gateway.apiKeys in your config file:',
        '',
        JSON.stringify(parsed.data, null, 2),
        '',
        `The service sends it as: Authorization: Bearer ${key.slice(0, 6)}…`,
        '',
      ].join('\n'),
    );
  });

try {
  program.parse();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
