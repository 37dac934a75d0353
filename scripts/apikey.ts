/**
 * `npm run apikey -- --name billing --scopes read,invalidate [--platforms wechat] [--apps wechat:wx1,wechat:wxc/wxA]`
 *
 * Makes a gateway API key: prints the key once (give it to the service, keep it in its secret
 * store) and the `gateway.apiKeys` entry to add to the config, which holds only the key's hash.
 * The same as `token-central apikey` (cli/commands/apikey.ts).
 */
import { Command } from 'commander';
import { apiKeyOptions, apiKeyText, createApiKey, type ApiKeyRequest } from '../cli/commands/apikey';

const program = apiKeyOptions(
  new Command('apikey').description('Make a gateway API key and the config entry holding its hash'),
).action((options: ApiKeyRequest) => {
  process.stdout.write(apiKeyText(createApiKey(options)));
});

try {
  program.parse();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
