/**
 * Helpers of the Douyin/Baidu integration tests: business calls proving a token really works,
 * authorizer handles, waiting for an active token.
 */
import { request } from 'undici';
import type { Client } from '@temporalio/client';
import { authorizerWorkflowId } from '../../workflows/credential-ids';
import { describeQuery, tokenQuery, type CredentialDescription, type TokenView } from '../../workflows/messages';
import { eventually } from '../harness/stack';

export type TpKind = 'douyin' | 'baidu';

/** Douyin GET /api/apps/v2/basic_info/get_info/ (header access-token) or Baidu app/info: 0 = accepted. */
export async function businessCall(sandboxUrl: string, platform: TpKind, accessToken: string): Promise<number> {
  if (platform === 'douyin') {
    const response = await request(new URL('/api/apps/v2/basic_info/get_info/', sandboxUrl), {
      headers: { 'access-token': accessToken },
    });
    return Number(((await response.body.json()) as { err_no: number }).err_no);
  }
  const url = new URL('/rest/2.0/smartapp/app/info', sandboxUrl);
  url.searchParams.set('access_token', accessToken);
  const response = await request(url);
  return Number(((await response.body.json()) as { errno: number }).errno);
}

export function authorizerHandle(client: Client, platform: TpKind, componentAppid: string, authorizerAppid: string) {
  return client.workflow.getHandle(authorizerWorkflowId(platform, componentAppid, authorizerAppid));
}

export async function describeAuthorizer(
  client: Client,
  platform: TpKind,
  componentAppid: string,
  authorizerAppid: string,
): Promise<CredentialDescription> {
  return authorizerHandle(client, platform, componentAppid, authorizerAppid).query(describeQuery);
}

export async function authorizerToken(
  client: Client,
  platform: TpKind,
  componentAppid: string,
  authorizerAppid: string,
): Promise<TokenView> {
  return authorizerHandle(client, platform, componentAppid, authorizerAppid).query(tokenQuery);
}

/** Waits for an active token (version ≥ minVersion) that the sandbox's business API accepts. */
export async function acceptedToken(
  client: Client,
  sandboxUrl: string,
  platform: TpKind,
  componentAppid: string,
  authorizerAppid: string,
  options: { minVersion?: number; timeoutMs?: number; where?: (d: CredentialDescription) => boolean } = {},
): Promise<TokenView> {
  return eventually(
    async () => {
      const view = await authorizerToken(client, platform, componentAppid, authorizerAppid);
      if (view.status !== 'active' || !view.accessToken || view.version < (options.minVersion ?? 1)) return undefined;
      if (options.where && !options.where(await describeAuthorizer(client, platform, componentAppid, authorizerAppid)))
        return undefined;
      // A refresh may land between the query and the call: ask again rather than fail.
      return (await businessCall(sandboxUrl, platform, view.accessToken)) === 0 ? view : undefined;
    },
    options.timeoutMs ?? 30_000,
    `accepted ${platform} token of ${authorizerAppid}`,
  );
}
