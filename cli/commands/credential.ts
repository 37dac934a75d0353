/** Commands about one credential, named by its id: describe, token, invalidate, revoke. */
import type { Command } from 'commander';
import { CREDENTIAL_ID_HELP, parseCredentialId } from '../credential-id';
import { readStdin, withBackend } from '../context';
import { CliError, EXIT, usageError } from '../exit-codes';
import { keyValueLines, printJson } from '../output';

export function credentialCommands(program: Command): void {
  program
    .command('describe')
    .description("A credential's lifecycle: status, expiry, next refresh, counters, last error (needs a worker)")
    .argument('<id>', CREDENTIAL_ID_HELP)
    .action(async (id: string, _options: unknown, command: Command) => {
      const ref = parseCredentialId(id);
      await withBackend(command, async (backend, output) => {
        const description = await backend.describe(ref);
        if (output.json) printJson(output, description);
        else output.out(keyValueLines(description).join('\n'));
      });
    });

  program
    .command('token')
    .description('Print the current token (only the token; --json adds expiry and version)')
    .argument('<id>', CREDENTIAL_ID_HELP)
    .action(async (id: string, _options: unknown, command: Command) => {
      const ref = parseCredentialId(id);
      await withBackend(command, async (backend, output) => {
        const token = await backend.token(ref);
        if (output.json) printJson(output, token);
        else output.out(token.access_token);
      });
    });

  program
    .command('invalidate')
    .description('Report a token the platform rejected; prints the fresh (or already current) token')
    .argument('<id>', CREDENTIAL_ID_HELP)
    .argument('[token]', 'the rejected token; "-" or omitted: read it from stdin (keeps it out of the process list)')
    .action(async (id: string, token: string | undefined, _options: unknown, command: Command) => {
      const ref = parseCredentialId(id);
      const rejected = token === undefined || token === '-' ? await readStdin() : token;
      if (!rejected) throw usageError('no token given (argument or stdin)');
      await withBackend(command, async (backend, output) => {
        const fresh = await backend.invalidate(ref, rejected);
        if (output.json) printJson(output, fresh);
        else output.out(fresh.access_token);
      });
    });

  program
    .command('revoke')
    .description("Revoke an authorizer as the platform's unauthorized push would (Temporal mode only)")
    .argument('<id>', 'authorizer/<platform>/<componentAppid>/<authorizerAppid>')
    .action(async (id: string, _options: unknown, command: Command) => {
      const ref = parseCredentialId(id);
      if (ref.kind !== 'authorizer') throw usageError('only authorizers can be revoked');
      await withBackend(command, async (backend, output) => {
        if (!(await backend.revoke(ref))) throw new CliError(EXIT.notFound, 'not_found', `no running ${id}`);
        if (output.json) printJson(output, { id, revoked: true });
        else output.out(`revoked ${id}`);
      });
    });
}
