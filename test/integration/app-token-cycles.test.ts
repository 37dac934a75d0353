/**
 * Refresh ahead, never lapse (invariant 2) and one refresher (invariant 1), on a real dev server
 * with the sandbox's clock sped up 2000× (a 7200 s token lives 3.6 s).
 */
import { eventually, startStack, type Stack } from '../harness/stack';
import { describeApp, queryToken, wechatBusinessCall } from './helpers';

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
