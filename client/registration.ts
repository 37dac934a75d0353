/**
 * Starting credential workflows. Registration is idempotent (signal-with-start): a running app
 * workflow just receives its current settings, a missing one is started.
 */
import type { Client } from '@temporalio/client';
import type { WechatAppConfig } from '../worker/config';
import { appTokenWorkflow, type AppTokenInput } from '../workflows/app-token';
import { appWorkflowId } from '../workflows/credential-ids';
import { configureSignal, type AppSettings } from '../workflows/messages';
import { TokenAppId, TokenKind, TokenPlatform, TokenStatus } from '../workflows/search-attributes';

export async function registerApp(client: Client, taskQueue: string, app: WechatAppConfig): Promise<string> {
  const workflowId = appWorkflowId(app.platform, app.appid);
  const settings: AppSettings = { mode: app.mode, secretRef: app.secret };
  const input: AppTokenInput = { platform: app.platform, appid: app.appid, settings };
  await client.workflow.signalWithStart(appTokenWorkflow, {
    workflowId,
    taskQueue,
    args: [input],
    signal: configureSignal,
    signalArgs: [settings],
    typedSearchAttributes: [
      { key: TokenPlatform, value: app.platform },
      { key: TokenKind, value: 'app' },
      { key: TokenAppId, value: app.appid },
      { key: TokenStatus, value: 'pending' },
    ],
    staticSummary: `${app.platform} app ${app.appid} access_token (${app.mode} mode)`,
    staticDetails: [
      `Own-app access token of **${app.platform}** app \`${app.appid}\`.`,
      `Mode: \`${app.mode}\` (${app.mode === 'stable' ? '/cgi-bin/stable_token' : '/cgi-bin/token'}).`,
      `Secret resolved by activities from ${'env' in app.secret ? `env var \`${app.secret.env}\`` : `file \`${app.secret.file}\``}.`,
    ].join('\n\n'),
  });
  return workflowId;
}
