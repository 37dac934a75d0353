import type { Command } from 'commander';
import { listQuery } from '../../gateway/request-schemas';
import type { CredentialJson } from '../backend';
import { withBackend } from '../context';
import { printJson, table } from '../output';

interface ListOptions {
  platform?: string;
  kind?: string;
  status?: string;
  component?: string;
  pageSize?: string;
  pageToken?: string;
}

export function listCommand(program: Command): void {
  program
    .command('list')
    .description('List credentials through Temporal visibility: own apps unless --kind or --component says otherwise')
    .option('--platform <platform>', 'wechat | douyin | baidu')
    .option('--kind <kind>', 'app | component | authorizer')
    .option('--status <status>', 'e.g. active, degraded, expired, reauth_required, credential_invalid, revoked')
    .option('--component <componentAppid>', "that component's authorizers (revoked ones included)")
    .option('--page-size <n>', 'print one page of n (1-1000) and its next page token, instead of every page')
    .option('--page-token <token>', 'with --page-size: the page after the one that printed this token')
    .action(async (options: ListOptions, command: Command) => {
      const onePage = options.pageSize !== undefined || options.pageToken !== undefined;
      const query = listQuery.parse({
        platform: options.platform,
        kind: options.kind,
        status: options.status,
        component: options.component,
        page_size: options.pageSize ?? '1000',
        page_token: options.pageToken,
      });
      const { page_size: pageSize, page_token: firstToken, ...filter } = query;
      await withBackend(command, async (backend, output) => {
        const apps: CredentialJson[] = [];
        let pageToken = firstToken;
        do {
          const page = await backend.list(filter, { pageSize, pageToken });
          apps.push(...page.apps);
          pageToken = page.next_page_token;
        } while (pageToken && !onePage);

        if (output.json)
          return printJson(output, { apps, ...(onePage && pageToken ? { next_page_token: pageToken } : {}) });
        if (apps.length > 0) {
          const rows = apps.map((app) => [app.id, app.status ?? '', app.expires_at ?? '']);
          output.out(table([['ID', 'STATUS', 'EXPIRES_AT'], ...rows]));
        } else {
          output.err('no credentials match');
        }
        if (onePage && pageToken) output.err(`next page: --page-token ${pageToken}`);
      });
    });
}
