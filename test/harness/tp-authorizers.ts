/**
 * Helpers of the Douyin/Baidu integration tests: a stack with one Douyin tpapp and one Baidu TP
 * whose tickets are pushed, authorization by event, business calls proving a token really works,
 * authorizer handles, waiting for an active token.
 */
import { request } from 'undici';
import type { Client } from '@temporalio/client';
import { authorizerWorkflowId } from '../../workflows/credential-ids';
import { describeQuery, tokenQuery, type CredentialDescription, type TokenView } from '../../workflows/messages';
import { eventually } from './eventually';
import { startStack, type Stack, type TpStackComponent } from './stack';

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

/**
 * A Douyin refresh kills the old token at once and tokens live 3 s in these stacks, so a refresh can
 * land between reading a token and using it. Ask again, a few times: a read path that served stale
 * tokens would fail every attempt. Returns the last platform code (0 = accepted).
 */
export async function acceptedWithin(attempts: number, readAndCall: () => Promise<number>): Promise<number> {
  let code = -1;
  for (let i = 0; i < attempts && code !== 0; i++) code = await readAndCall();
  return code;
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

export interface TpStack {
  stack: Stack;
  gatewayUrl: string;
  /** One third-party app per platform, tickets pushed, component token ready. */
  tp: Record<TpKind, TpStackComponent>;
  teardown(): Promise<void>;
}

/**
 * The stack for Douyin/Baidu authorizer tests, sandbox time ×100 (authorization codes live 36 s):
 * access tokens are configured to live 3 s, the Douyin refresh token only 9 s unless kept alive.
 */
export async function startTpStack(): Promise<TpStack> {
  const stack = await startStack({ timeScale: 100 });
  try {
    return await readyTpStack(stack);
  } catch (err) {
    await stack.teardown();
    throw err;
  }
}

async function readyTpStack(stack: Stack): Promise<TpStack> {
  const gatewayUrl = await stack.startGateway();
  const tp = {
    douyin: await stack.addTpComponent('douyin', {
      durations: { accessTokenLifetime: 300, refreshTokenLifetime: 900 },
    }),
    baidu: await stack.addTpComponent('baidu', { durations: { accessTokenLifetime: 300 } }),
  };
  await stack.sandbox.control.startDouyinTickets(tp.douyin.componentAppid);
  await stack.sandbox.control.startBaiduTickets(tp.baidu.componentAppid);
  await Promise.all(
    (['douyin', 'baidu'] as const).map((platform) =>
      eventually(
        async () => {
          const url = `${gatewayUrl}/v1/tokens/component/${platform}/${tp[platform].componentAppid}`;
          const response = await request(url);
          await response.body.dump();
          return response.statusCode === 200 ? true : undefined;
        },
        30_000,
        `${platform} component token`,
      ),
    ),
  );
  return {
    stack,
    gatewayUrl,
    tp,
    async teardown() {
      await stack.sandbox.control.pauseDouyinTickets(tp.douyin.componentAppid);
      await stack.sandbox.control.pauseBaiduTickets(tp.baidu.componentAppid);
      await stack.teardown();
    },
  };
}

/** Authorizes through the AUTHORIZED event pushed to the gateway; returns the authorizer app id. */
export async function authorizeByEvent(
  stack: Stack,
  platform: TpKind,
  c: TpStackComponent,
  n: number,
): Promise<string> {
  if (platform === 'douyin') {
    const outcome = await stack.sandbox.control.douyinAuthorize(c.componentAppid, {
      authorizerAppid: `ttmini${n}${Date.now() % 100000}`,
    });
    return outcome.authorizerAppid;
  }
  const outcome = await stack.sandbox.control.baiduAuthorize(c.componentAppid, { appId: 10_000_000 + n });
  return String(outcome.appId);
}
