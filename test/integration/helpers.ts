import { request } from 'undici';
import type { Client } from '@temporalio/client';
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
