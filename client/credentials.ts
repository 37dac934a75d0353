/**
 * Starting and feeding credential workflows, all idempotent. Own apps and components by
 * signal-with-start (configuration, the admin API, a ticket push); authorization codes through one
 * workflow per code, so a code delivered by redirect and by event is exchanged once; authorizer
 * workflows by signal-with-start with the exchanged grant.
 */
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import type { ComponentConfig, WechatAppConfig } from '../config/config';
import { appTokenWorkflow, type AppTokenInput } from '../workflows/app-token';
import { authCodeWorkflow, type AuthCodeInput } from '../workflows/auth-code';
import { authorizerTokenWorkflow, type AuthorizerTokenInput } from '../workflows/authorizer-token';
import {
  componentTokenWorkflow,
  DEFAULT_STALE_TICKET_AFTER_MS,
  type ComponentTokenInput,
} from '../workflows/component-token';
import { appWorkflowId, authorizerWorkflowId, componentWorkflowId } from '../workflows/credential-ids';
import {
  appSettingsSchema,
  authCodeAccountSchema,
  authCodeAccountSignal,
  authorizeSignal,
  authorizerGrantSchema,
  componentSettingsSchema,
  configureComponentSignal,
  configureSignal,
  revocationSchema,
  revokeSignal,
  ticketPushSchema,
  ticketSignal,
  type AppSettings,
  type AuthorizerGrant,
  type ComponentSettings,
  type TicketPush,
} from '../workflows/messages';
import {
  TokenAppId,
  TokenComponentAppId,
  TokenKind,
  TokenPlatform,
  TokenSettings,
  TokenStatus,
} from '../workflows/search-attributes';
import { tpDescriptor, type TpPlatform } from '../workflows/tp-platforms';

/** A short digest of configured settings (never the settings: search attributes are plaintext). */
export function settingsDigest(settings: object): string {
  return createHash('sha256').update(JSON.stringify(settings)).digest('hex').slice(0, 16);
}

/** Parsed with the workflow's own schema, so a setting the workflow would refuse fails here, at the sender. */
export function appSettings(app: WechatAppConfig): AppSettings {
  const settings = { mode: app.mode, secretRef: app.secret };
  return appSettingsSchema.parse({ ...settings, digest: settingsDigest(settings) });
}

/** Where credential workflows live: the client that starts them and their task queue. */
export interface WorkflowTarget {
  client: Client;
  taskQueue: string;
}

/** Configuration or the admin API: starts the app's workflow or hands it its current settings. */
export async function registerApp({ client, taskQueue }: WorkflowTarget, app: WechatAppConfig): Promise<string> {
  const workflowId = appWorkflowId(app.platform, app.appid);
  const settings = appSettings(app);
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
      { key: TokenSettings, value: settings.digest! },
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

export function componentSettings(component: ComponentConfig): ComponentSettings {
  const settings = {
    secretRef: component.secret,
    ticketValidityMs: component.ticketValidityMs ?? tpDescriptor(component.platform).ticketValidityMs,
    staleTicketAfterMs: component.staleTicketAfterMs ?? DEFAULT_STALE_TICKET_AFTER_MS,
  };
  return componentSettingsSchema.parse({ ...settings, digest: settingsDigest(settings) });
}

function componentStart(taskQueue: string, component: ComponentConfig) {
  const settings = componentSettings(component);
  const input: ComponentTokenInput = {
    platform: component.platform,
    componentAppid: component.componentAppid,
    settings,
  };
  return {
    workflowId: componentWorkflowId(component.platform, component.componentAppid),
    taskQueue,
    args: [input] as [ComponentTokenInput],
    typedSearchAttributes: [
      { key: TokenPlatform, value: component.platform },
      { key: TokenKind, value: 'component' },
      { key: TokenAppId, value: component.componentAppid },
      { key: TokenComponentAppId, value: component.componentAppid },
      { key: TokenStatus, value: 'pending' },
      { key: TokenSettings, value: settings.digest! },
    ],
    staticSummary: `${component.platform} component ${component.componentAppid} component_access_token`,
    staticDetails: [
      `component_access_token of third-party platform \`${component.componentAppid}\`.`,
      `Refreshed with the last pushed ${tpDescriptor(component.platform).ticketName}; the secret is resolved by activities.`,
    ].join('\n\n'),
  };
}

/** Configuration: starts the component workflow or hands it its current settings. */
export async function registerComponent(
  { client, taskQueue }: WorkflowTarget,
  component: ComponentConfig,
): Promise<string> {
  const start = componentStart(taskQueue, component);
  await client.workflow.signalWithStart(componentTokenWorkflow, {
    ...start,
    signal: configureComponentSignal,
    signalArgs: [start.args[0].settings],
  });
  return start.workflowId;
}

/** A verified ticket push; resolves once Temporal durably holds the signal. */
export async function deliverTicket(
  { client, taskQueue }: WorkflowTarget,
  { component, push }: { component: ComponentConfig; push: TicketPush },
): Promise<void> {
  await client.workflow.signalWithStart(componentTokenWorkflow, {
    ...componentStart(taskQueue, component),
    signal: ticketSignal,
    signalArgs: [ticketPushSchema.parse(push)],
  });
}

/** Workflow ID of an authorization code: a hash, so the code itself never shows in IDs or the UI. */
export function authCodeWorkflowId({
  platform,
  componentAppid,
  code,
}: {
  platform: TpPlatform;
  componentAppid: string;
  code: string;
}): string {
  const digest = createHash('sha256').update(code).digest('hex').slice(0, 32);
  return `authcode/${platform}/${componentAppid}/${digest}`;
}

/**
 * An authorization code from the redirect or an authorized/updateauthorized event. The first
 * delivery starts the exchange; a later one finds the same workflow ID running or completed and
 * does nothing but tell a running one the account, if it names it (an ambiguous exchange of a
 * redirect's code needs it to recover). A failed run (the code certainly not consumed, or expired)
 * does not block a new attempt.
 */
export async function submitAuthCode(
  { client, taskQueue }: WorkflowTarget,
  input: AuthCodeInput & { platform: TpPlatform },
): Promise<{ workflowId: string; duplicate: boolean }> {
  const workflowId = authCodeWorkflowId(input);
  try {
    await client.workflow.start(authCodeWorkflow, {
      workflowId,
      taskQueue,
      args: [input],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      staticSummary: `${input.platform} authorization code for ${input.componentAppid} (${input.source})`,
    });
    return { workflowId, duplicate: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    if (input.authorizerAppid) await tellAccount(client, workflowId, input.authorizerAppid);
    return { workflowId, duplicate: true };
  }
}

/**
 * Tells a running exchange the account (best effort: a completed run needs nothing, and an exchange
 * that went through named the account itself). A failed signal is thrown, so a push is retried.
 */
async function tellAccount(client: Client, workflowId: string, authorizerAppid: string): Promise<void> {
  const account = authCodeAccountSchema.safeParse({ authorizerAppid });
  if (!account.success) return;
  try {
    await client.workflow.getHandle(workflowId).signal(authCodeAccountSignal, account.data);
  } catch (err) {
    if ((err as { name?: string }).name !== 'WorkflowNotFoundError') throw err;
  }
}

export interface AuthorizerAddress {
  platform: TpPlatform;
  componentAppid: string;
  authorizerAppid: string;
}

/** Hands an exchanged authorization to the authorizer's workflow, starting a fresh one if needed. */
export async function deliverGrant(
  { client, taskQueue }: WorkflowTarget,
  { platform, componentAppid, authorizerAppid, grant }: AuthorizerAddress & { grant: AuthorizerGrant },
): Promise<string> {
  const workflowId = authorizerWorkflowId(platform, componentAppid, authorizerAppid);
  const input: AuthorizerTokenInput = { platform, componentAppid, authorizerAppid };
  await client.workflow.signalWithStart(authorizerTokenWorkflow, {
    workflowId,
    taskQueue,
    args: [input],
    signal: authorizeSignal,
    signalArgs: [authorizerGrantSchema.parse(grant)],
    typedSearchAttributes: [
      { key: TokenPlatform, value: platform },
      { key: TokenKind, value: 'authorizer' },
      { key: TokenAppId, value: authorizerAppid },
      { key: TokenComponentAppId, value: componentAppid },
      { key: TokenStatus, value: 'pending' },
    ],
    staticSummary: `${platform} authorizer ${authorizerAppid} of component ${componentAppid}`,
    staticDetails: `authorizer_access_token of \`${authorizerAppid}\`, authorized to third-party platform \`${componentAppid}\`.`,
  });
  return workflowId;
}

/** An unauthorized push: the authorizer's workflow turns `revoked` and completes. False when none runs. */
export async function revokeAuthorizer(
  client: Client,
  { platform, componentAppid, authorizerAppid, at }: AuthorizerAddress & { at: number },
): Promise<boolean> {
  try {
    await client.workflow
      .getHandle(authorizerWorkflowId(platform, componentAppid, authorizerAppid))
      .signal(revokeSignal, revocationSchema.parse({ at }));
    return true;
  } catch (err) {
    // No running workflow: nothing to revoke (already revoked, or never exchanged).
    if ((err as { name?: string }).name === 'WorkflowNotFoundError') return false;
    throw err;
  }
}
