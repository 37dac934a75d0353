import type { Command } from 'commander';
import { wechatAppSchema } from '../../config/config';
import { withBackend } from '../context';
import { usageError } from '../exit-codes';
import { printJson } from '../output';

export function registerCommand(program: Command): void {
  program
    .command('register')
    .description('Register (or reconfigure) a WeChat own app; its secret is named, never given')
    .argument('<appid>', 'the app id')
    .option('--secret-env <name>', 'environment variable holding the secret on the workers')
    .option('--secret-file <path>', 'file holding the secret on the workers')
    .option('--mode <mode>', 'stable (default) | basic')
    .action(async (appid: string, options: { secretEnv?: string; secretFile?: string; mode?: string }, command) => {
      if (Boolean(options.secretEnv) === Boolean(options.secretFile)) {
        throw usageError('give exactly one of --secret-env and --secret-file');
      }
      const app = wechatAppSchema.parse({
        platform: 'wechat',
        appid,
        ...(options.mode ? { mode: options.mode } : {}),
        secret: options.secretEnv ? { env: options.secretEnv } : { file: options.secretFile },
      });
      await withBackend(command as Command, async (backend, output) => {
        const { id } = await backend.register(app);
        if (output.json) printJson(output, { id });
        else output.out(id);
      });
    });
}
