/**
 * Refresh ahead, never lapse (docs/architecture.md invariant 2) and one refresher (docs/architecture.md invariant 1), on a real dev server
 * with the sandbox's clock sped up 2000× (a 7200 s token lives 3.6 s).
 */
import { request } from 'undici';
import { buildGateway } from '../../gateway/app';
import { TokenClient } from '../../client/token-client';
import { eventually } from '../harness/eventually';
import { startStack, type Stack } from '../harness/stack';
import { describeApp, queryToken, wechatBusinessCall } from '../harness/apps';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeScale: 2000 });
});
afterAll(async () => {
  await stack?.teardown();
});

async function upstreamCalls(endpoint: string, appid: string): Promise<number> {
  return (await stack.sandbox.control.calls({ platform: 'wechat', endpoint, appid })).total;
}

it('basic mode: every token is usable, refreshed before expiry, one upstream call per cycle', async () => {
  const app = await stack.addWechatApp('basic');
  const versionsSeen = new Set<number>();
  await eventually(
    async () => {
      const view = await queryToken(stack.client, app);
      if (view.version === 0) return undefined;
      // Never lapse: a reader always gets a token with life left, and the platform accepts it.
      expect(view.status === 'active' || view.status === 'refreshing').toBe(true);
      expect(view.expiresAt! - Date.now()).toBeGreaterThan(0);
      if (!versionsSeen.has(view.version)) {
        versionsSeen.add(view.version);
        expect(await wechatBusinessCall(stack.sandbox.url, view.accessToken!)).not.toHaveProperty('errcode');
      }
      return view.version >= 6 ? view : undefined;
    },
    40_000,
    'six token versions',
  );
  expect(versionsSeen.size).toBeGreaterThanOrEqual(5);

  // Exactly one upstream call per version: read calls between two equal versions to avoid a race.
  const consistent = await eventually(async () => {
    const before = (await describeApp(stack.client, app)).version;
    const calls = await upstreamCalls('/cgi-bin/token', app.appid);
    const after = (await describeApp(stack.client, app)).version;
    return before === after ? { version: before, calls } : undefined;
  });
  expect(consistent.calls).toBe(consistent.version);
  const description = await describeApp(stack.client, app);
  expect(description.refreshes).toBe(consistent.version);
  expect(description.consecutiveFailures).toBe(0);
  const invalidUses = await stack.sandbox.control.invalidTokenUses({ appid: app.appid });
  expect(invalidUses.total).toBe(0);
});

it('basic mode: TokenClients and the gateway reading at once never cause a second fetch in a cycle', async () => {
  const app = await stack.addWechatApp('basic');
  const gateway = buildGateway({
    client: stack.client,
    tokens: new TokenClient(stack.client),
    taskQueue: stack.taskQueue,
  });
  const gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
  const readers = [stack.tokens, new TokenClient(stack.client), new TokenClient(stack.client)];
  const stopAt = Date.now() + 10_000;
  let reads = 0;
  const readLoop = async (read: () => Promise<string>) => {
    while (Date.now() < stopAt) {
      const token = await read();
      expect(token.length).toBeGreaterThan(20);
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await eventually(async () => ((await queryToken(stack.client, app)).version > 0 ? true : undefined));
  await Promise.all([
    ...readers.map((reader) => readLoop(async () => (await reader.getToken(app)).accessToken)),
    readLoop(async () => {
      const response = await request(`${gatewayUrl}/v1/tokens/app/wechat/${app.appid}`);
      expect(response.statusCode).toBe(200);
      return ((await response.body.json()) as { access_token: string }).access_token;
    }),
  ]);
  await gateway.close();
  const consistent = await eventually(async () => {
    const before = (await describeApp(stack.client, app)).version;
    const calls = await upstreamCalls('/cgi-bin/token', app.appid);
    const after = (await describeApp(stack.client, app)).version;
    return before === after ? { version: before, calls } : undefined;
  });
  expect(reads).toBeGreaterThan(100);
  expect(consistent.version).toBeGreaterThanOrEqual(3);
  expect(consistent.calls).toBe(consistent.version);
});

it('stable mode: refreshes inside the platform window, one call per cycle, never lapsing', async () => {
  const app = await stack.addWechatApp('stable');
  // At ×2000 the 5-minute rotation window is 150 ms: the workflow must hit it or fetch the same token.
  const first = await eventually(async () => {
    const v = await queryToken(stack.client, app);
    return v.version > 0 ? v : undefined;
  });
  const third = await eventually(
    async () => {
      const view = await queryToken(stack.client, app);
      expect(view.accessToken).toBeDefined();
      return view.version >= first.version + 2 ? view : undefined;
    },
    30_000,
    'two stable refreshes',
  );
  expect(await wechatBusinessCall(stack.sandbox.url, third.accessToken!)).not.toHaveProperty('errcode');
  const calls = await upstreamCalls('/cgi-bin/stable_token', app.appid);
  const described = await describeApp(stack.client, app);
  // Every call is a recorded refresh (nothing else calls upstream). The sandbox floors expires_in to
  // whole seconds, so at ×2000 a refresh may land up to 1 s (500 platform seconds) early, get the
  // same token back and be repeated inside the window: at most two calls per token, never more.
  expect(calls).toBe(described.refreshes);
  expect(calls).toBeLessThanOrEqual(described.version * 2);
  expect(described.forcedRefreshes).toBe(0);
});
