/**
 * GatewayClient's admin calls (client/gateway-client.ts) against the gateway with a stub Temporal
 * client: lifecycles in snake_case with ISO times, paged lists whose opaque next_page_token carries
 * Temporal's own page token back (and a made-up one is refused), registration by reference.
 */
import type { Client } from '@temporalio/client';
import { GatewayClient } from '../../../client/gateway-client';
import type { TokenClient } from '../../../client/token-client';
import type { ApiKeyConfig } from '../../../config/config';
import { buildGateway } from '../../../gateway/app';
import { generateApiKey } from '../../../gateway/plugins/auth';

const admin = generateApiKey();
const apiKeys: ApiKeyConfig[] = [{ name: 'ops', hash: admin.hash, scopes: ['admin'] }];
const listCalls: Array<{ query: string; pageSize: number; nextPageToken?: Uint8Array }> = [];
const temporalToken = Buffer.from('temporal-page-2');
const client = {
  options: { namespace: 'default' },
  workflowService: {
    async listWorkflowExecutions(request: { query: string; pageSize: number; nextPageToken?: Uint8Array }) {
      listCalls.push(request);
      return { executions: [], nextPageToken: request.nextPageToken ? Buffer.alloc(0) : temporalToken };
    },
  },
} as unknown as Client;
const tokens = {
  describe: async () => ({
    id: 'app/wechat/wxadmin0001',
    status: 'active',
    version: 1,
    expiresAt: Date.UTC(2026, 0, 1),
    refreshes: 1,
    passiveRefreshes: 0,
    forcedRefreshes: 0,
    consecutiveFailures: 0,
    settings: { mode: 'basic' },
  }),
} as unknown as TokenClient;

let gateway: GatewayClient;
let close: () => Promise<void>;
beforeAll(async () => {
  const app = buildGateway({ client, tokens, taskQueue: 'unused', auth: { apiKeys } });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  close = () => app.close();
  gateway = new GatewayClient({ baseUrl: url, apiKey: admin.key });
});
afterAll(async () => {
  await gateway.close();
  await close();
});

it('describes in snake_case with ISO times', async () => {
  expect(await gateway.describe({ kind: 'app', platform: 'wechat', appid: 'wxadmin0001' })).toEqual({
    id: 'app/wechat/wxadmin0001',
    status: 'active',
    version: 1,
    expires_at: '2026-01-01T00:00:00.000Z',
    refreshes: 1,
    passive_refreshes: 0,
    forced_refreshes: 0,
    consecutive_failures: 0,
    settings: { mode: 'basic' },
  });
});

it('pages with an opaque token that carries Temporal’s own, and refuses a made-up or reused-elsewhere one', async () => {
  const first = await gateway.list({ status: 'degraded', pageSize: 2 });
  expect(first.apps).toEqual([]);
  expect(first.next_page_token).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]+$/));
  expect(listCalls[0]).toMatchObject({ pageSize: 2 });
  expect(listCalls[0]!.query).toContain("TokenStatus = 'degraded'");

  const last = await gateway.list({ status: 'degraded', pageSize: 2, pageToken: first.next_page_token });
  expect(last.next_page_token).toBeUndefined();
  expect(Buffer.from(listCalls[1]!.nextPageToken!)).toEqual(temporalToken);

  await expect(gateway.list({ pageToken: 'bm90LWEtdG9rZW4' })).rejects.toMatchObject({ statusCode: 400 });
  // A token is bound to its filters: used with others it is refused, not misapplied.
  await expect(gateway.list({ status: 'active', pageToken: first.next_page_token })).rejects.toMatchObject({
    statusCode: 400,
  });
  expect(listCalls).toHaveLength(2);
  expect(await gateway.list({ pageSize: 1000 }).catch((err: unknown) => err)).toMatchObject({ apps: [] });
  await expect(gateway.list({ pageSize: 1001 })).rejects.toMatchObject({ statusCode: 400 });
});
