/**
 * Own-app helpers of the integration tests: the business call proving a token really works, the
 * app workflow's handle and queries, and the sandbox's count of upstream token calls.
 */
import { request } from 'undici';
import type { Client } from '@temporalio/client';
import type { SandboxHandle } from '../../sandbox';
import { appWorkflowId, type AppRef } from '../../workflows/credential-ids';
import { describeQuery, tokenQuery, type CredentialDescription, type TokenView } from '../../workflows/messages';

/** Calls the sandbox's WeChat business API, the proof that a token is really usable. */
export async function wechatBusinessCall(sandboxUrl: string, accessToken: string): Promise<{ errcode?: number }> {
  const url = new URL('/cgi-bin/getcallbackip', sandboxUrl);
  url.searchParams.set('access_token', accessToken);
  const response = await request(url);
  return (await response.body.json()) as { errcode?: number };
}

export function appHandle(client: Client, ref: AppRef) {
  return client.workflow.getHandle(appWorkflowId(ref.platform, ref.appid));
}

export async function queryToken(client: Client, ref: AppRef): Promise<TokenView> {
  return appHandle(client, ref).query(tokenQuery);
}

export async function describeApp(client: Client, ref: AppRef): Promise<CredentialDescription> {
  return appHandle(client, ref).query(describeQuery);
}

/** How many calls the sandbox's WeChat `endpoint` (e.g. /cgi-bin/token) received for `appid`. */
export async function wechatCallCount(sandbox: SandboxHandle, endpoint: string, appid: string): Promise<number> {
  return (await sandbox.control.calls({ platform: 'wechat', endpoint, appid })).total;
}
