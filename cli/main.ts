/**
 * `token-central`: the operator CLI (cli/token-central.cjs runs this file with tsx). One module per
 * command in cli/commands/; each talks to Temporal directly or, with `--gateway`, to a gateway.
 * Exit codes: cli/exit-codes.ts (0 ok, 1 usage, 2 not found, 3 unavailable, 4 refused, 5 failed).
 */
import { Command, CommanderError } from 'commander';
import { apiKeyCommand } from './commands/apikey';
import { credentialCommands } from './commands/credential';
import { decodeCommand } from './commands/decode';
import { listCommand } from './commands/list';
import { registerCommand } from './commands/register';
import { API_KEY_ENV, GATEWAY_URL_ENV } from './context';
import { classify, EXIT } from './exit-codes';

export function buildProgram(): Command {
  const program = new Command('token-central')
    .description(
      'Operate token-central: list and inspect credentials, print or invalidate tokens, register apps, ' +
        'revoke authorizers, make API keys, decode history payloads.\n' +
        'Talks to Temporal directly (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*, ' +
        'TASK_QUEUE and the codec keys TOKEN_CENTRAL_CODEC_KEYS[_FILE]; default: the embedded server of ' +
        '`npm start`), or with --gateway to a gateway with an API key.\n' +
        'Exit codes: 0 ok, 1 usage, 2 not found, 3 unavailable, 4 refused (API key), 5 other failure.',
    )
    .option('--gateway <url>', `use this gateway instead of Temporal (env ${GATEWAY_URL_ENV})`)
    .option('--api-key <key>', `the gateway API key (prefer env ${API_KEY_ENV}: arguments show in ps)`)
    .option('--json', 'machine-readable output on stdout, errors as JSON on stderr')
    .showHelpAfterError('(token-central --help for usage)')
    .exitOverride();
  listCommand(program);
  credentialCommands(program);
  registerCommand(program);
  apiKeyCommand(program);
  decodeCommand(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed help or the usage error already.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const failure = classify(err);
    const json = argv.includes('--json');
    process.stderr.write(
      json
        ? `${JSON.stringify({ error: { code: failure.code, message: failure.message } })}\n`
        : `token-central: ${failure.message}\n`,
    );
    return failure.exitCode;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
