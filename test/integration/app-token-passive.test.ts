/**
 * Passive refresh of own-app tokens as a service contract (docs/architecture.md invariant 1):
 * compare-and-refresh, 100 concurrent reports coalesced into one upstream call, the stable_token
 * force path, degraded and credential_invalid when the refresh fails, and the caller's side,
 * TokenClient.withToken, which reports a rejected token once and retries once. The sandbox runs on
 * real time here, so tokens live two hours and only the test's reports cause refreshes. The same
 * reports through the gateway's HTTP routes are in gateway-routes.test.ts.
 */
import { refreshUpdate, invalidateSignal } from '../../workflows/messages';
import { eventually } from '../harness/eventually';
import { startStack, type Stack } from '../harness/stack';
import { appHandle, describeApp, queryToken, wechatBusinessCall, wechatCallCount } from '../harness/apps';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeScale: 1, httpTimeoutMs: 1_000 });
});
afterAll(async () => {
  await stack?.teardown();
});

afterEach(async () => {
  await stack.sandbox.control.clearFaults();
});

const calls = (endpoint: string, appid: string) => wechatCallCount(stack.sandbox, endpoint, appid);

async function activeApp(mode: 'stable' | 'basic') {
  const app = await stack.addWechatApp(mode);
  const view = await eventually(async () => {
    const v = await queryToken(stack.client, app);
    return v.status === 'active' ? v : undefined;
  });
  return { app, view };
}

it('coalesces 100 concurrent reports of the current token into one upstream call (basic mode)', async () => {
  const { app, view } = await activeApp('basic');
  expect(await calls('/cgi-bin/token', app.appid)).toBe(1);
  const handle = appHandle(stack.client, app);
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      i % 2 === 0
        ? handle.executeUpdate(refreshUpdate, { args: [{ version: view.version }] })
        : handle.signal(invalidateSignal, { version: view.version }).then(() => undefined),
    ),
  );
  const answers = results.filter((r) => r !== undefined);
  expect(answers).toHaveLength(50);
  const fresh = answers[0]!;
  expect(fresh.version).toBe(view.version + 1);
  expect(fresh.accessToken).not.toBe(view.accessToken);
  for (const answer of answers) expect(answer).toEqual(fresh);
  expect(await calls('/cgi-bin/token', app.appid)).toBe(2);
  expect(await wechatBusinessCall(stack.sandbox.url, fresh.accessToken!)).not.toHaveProperty('errcode');

  // A report naming the token that was just replaced changes nothing and answers the current one.
  const stale = await handle.executeUpdate(refreshUpdate, { args: [{ version: view.version }] });
  expect(stale).toEqual(fresh);
  expect(await stack.tokens.reportInvalid(app, view.accessToken!)).toMatchObject({ version: fresh.version });
  expect(await calls('/cgi-bin/token', app.appid)).toBe(2);
});

it('stable mode re-fetches first and force-refreshes only when handed back the rejected token', async () => {
  const { app, view } = await activeApp('stable');
  const fresh = await Promise.all(Array.from({ length: 20 }, () => stack.tokens.reportInvalid(app, view.accessToken!)));
  expect(new Set(fresh.map((t) => t.accessToken)).size).toBe(1);
  expect(fresh[0]!.accessToken).not.toBe(view.accessToken);
  // One normal-mode re-fetch (same token back) and one force refresh, whatever the report count.
  const log = await stack.sandbox.control.calls({
    platform: 'wechat',
    endpoint: '/cgi-bin/stable_token',
    appid: app.appid,
  });
  expect(log.total).toBe(3);
  const described = await describeApp(stack.client, app);
  expect(described).toMatchObject({ forcedRefreshes: 1, passiveRefreshes: 1, version: 2 });
  // Force refresh invalidates the old token at once on the platform.
  expect(await wechatBusinessCall(stack.sandbox.url, view.accessToken!)).toMatchObject({ errcode: 40001 });
  expect(await wechatBusinessCall(stack.sandbox.url, fresh[0]!.accessToken)).not.toHaveProperty('errcode');
});

it.each([
  ['system busy (-1)', { kind: 'busy' as const }],
  ['HTTP 5xx', { kind: 'http5xx' as const, status: 503 }],
  ['a timeout', { kind: 'latency' as const, latencyMs: 1_500 }],
])('%s gives degraded while the old token is still served, then recovers', async (_, fault) => {
  const { app, view } = await activeApp('basic');
  await stack.sandbox.control.addFault({ path: '/cgi-bin/token', appid: app.appid, ...fault });
  await stack.appHandleSignal(app, view.version);
  const degraded = await eventually(async () => {
    const v = await queryToken(stack.client, app);
    return v.status === 'degraded' ? v : undefined;
  });
  expect(degraded.accessToken).toBe(view.accessToken);
  expect((await describeApp(stack.client, app)).consecutiveFailures).toBeGreaterThanOrEqual(1);
  await stack.sandbox.control.clearFaults();
  const healed = await eventually(async () => {
    const v = await queryToken(stack.client, app);
    return v.status === 'active' && v.version > view.version ? v : undefined;
  });
  expect(await wechatBusinessCall(stack.sandbox.url, healed.accessToken!)).not.toHaveProperty('errcode');
  expect((await describeApp(stack.client, app)).consecutiveFailures).toBe(0);
});

it('a wrong appsecret (40125) gives credential_invalid and no retry storm', async () => {
  const { app, view } = await activeApp('basic');
  await stack.sandbox.control.updateWechatApp(app.appid, { secret: 'rotated-elsewhere-0123456789abcdef' });
  await stack.appHandleSignal(app, view.version);
  const described = await eventually(async () => {
    const d = await describeApp(stack.client, app);
    return d.status === 'credential_invalid' ? d : undefined;
  });
  expect(described.lastError).toMatchObject({ category: 'credential_invalid', code: '40125' });
  const callsAfterFailure = await calls('/cgi-bin/token', app.appid);
  // More reports and a quiet observation window: nothing may go upstream until the hourly recheck.
  for (let i = 0; i < 20; i++) await stack.appHandleSignal(app, view.version);
  const until = Date.now() + 3_000;
  while (Date.now() < until) {
    expect(await calls('/cgi-bin/token', app.appid)).toBe(callsAfterFailure);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(callsAfterFailure).toBe(2);
  // The secret never shows in what operators see.
  expect(JSON.stringify(await describeApp(stack.client, app))).not.toContain(app.secret);
});

it('withToken reports a rejected token once and retries once with the fresh token', async () => {
  const { app, view } = await activeApp('basic');
  await stack.sandbox.control.addFault({ path: '/cgi-bin/getcallbackip', kind: 'error', code: 40001, times: 1 });
  const tokensUsed: string[] = [];
  const result = await stack.tokens.withToken(app, async (accessToken) => {
    tokensUsed.push(accessToken);
    return wechatBusinessCall(stack.sandbox.url, accessToken);
  });
  expect(result).not.toHaveProperty('errcode');
  expect(tokensUsed).toHaveLength(2);
  expect(tokensUsed[0]).toBe(view.accessToken);
  expect(tokensUsed[1]).not.toBe(view.accessToken);
  expect(await calls('/cgi-bin/token', app.appid)).toBe(2);
  // A thrown error carrying the code is recognised too; a non-token error is passed through untouched.
  await expect(
    stack.tokens.withToken(app, async () => {
      throw Object.assign(new Error('boom'), { errcode: 48001 });
    }),
  ).rejects.toThrow('boom');
});
