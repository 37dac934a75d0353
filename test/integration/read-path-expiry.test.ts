/**
 * Never an expired token, and reads without a worker (the read path, issue 11). Sandbox time ×2000:
 * a 7200 s token lives 3.6 s.
 *
 * - A credential parked in `credential_invalid` (its next refresh is the hourly recheck) still wakes
 *   at its token's expiry: status, TokenStatus search attribute and the published view become
 *   `expired`, and TokenClient and the gateway answer token_unavailable.
 * - With the worker stopped, TokenClient and the gateway keep serving the published token (read
 *   with `describe()` from the server) until its expiry, then answer token_unavailable.
 */
import { request } from 'undici';
import { TokenClient, TokenUnavailableError, type IssuedToken } from '../../client/token-client';
import { appWorkflowId, type AppRef } from '../../workflows/credential-ids';
import { TOKEN_VIEW_MEMO_KEY, type TokenView } from '../../workflows/messages';
import { TokenStatus } from '../../workflows/search-attributes';
import { eventually } from '../harness/eventually';
import { startStack, type Stack } from '../harness/stack';
import { appHandle, describeApp, queryToken } from '../harness/apps';

jest.setTimeout(90_000);

let stack: Stack;
let gatewayUrl: string;
beforeAll(async () => {
  stack = await startStack({ timeScale: 2000 });
  gatewayUrl = await stack.startGateway();
});
afterAll(async () => {
  await stack?.teardown();
});

/** The view the workflow published in its memo, as the server holds it (no worker involved). */
async function publishedView(app: AppRef): Promise<TokenView> {
  const described = await appHandle(stack.client, app).describe();
  return described.memo?.[TOKEN_VIEW_MEMO_KEY] as TokenView;
}

async function gatewayRead(app: AppRef) {
  const response = await request(`${gatewayUrl}/v1/tokens/app/wechat/${app.appid}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, any> };
}

/** TokenClient's answer, or the status it gave as token_unavailable. */
async function clientRead(tokens: TokenClient, app: AppRef): Promise<IssuedToken | { unavailable: string }> {
  try {
    return await tokens.getToken(app);
  } catch (err) {
    if (err instanceof TokenUnavailableError) return { unavailable: err.status };
    throw err;
  }
}

async function upstreamCalls(appid: string): Promise<number> {
  return (await stack.sandbox.control.calls({ platform: 'wechat', endpoint: '/cgi-bin/token', appid })).total;
}

it('a credential parked in credential_invalid: at its expiry status, search attribute and view become expired', async () => {
  const app = await stack.addWechatApp('basic');
  const first = await eventually(async () => {
    const v = await publishedView(app);
    return v?.status === 'active' && v.version >= 1 ? v : undefined;
  });
  // A reader caches the token before anything goes wrong.
  const cached = await stack.tokens.getToken(app);
  expect(cached.version).toBeGreaterThanOrEqual(first.version);
  expect((await gatewayRead(app)).status).toBe(200);

  // The secret is rotated elsewhere; a report makes the workflow refresh at once, and 40125 parks it.
  await stack.sandbox.control.updateWechatApp(app.appid, { secret: 'rotated-elsewhere-0123456789abcdef' });
  const current = await publishedView(app);
  await stack.appHandleSignal(app, current.version);
  const parked = await eventually(async () => {
    const d = await describeApp(stack.client, app);
    return d.lastError?.category === 'credential_invalid' ? d : undefined;
  });
  expect(parked.lastError?.code).toBe('40125');
  // Parked: the next refresh is the hourly recheck, far beyond the token's expiry.
  expect(parked.nextRefreshAt! - parked.lastError!.at).toBe(60 * 60 * 1000);
  const callsWhenParked = await upstreamCalls(app.appid);

  const handle = appHandle(stack.client, app);
  const tokenExpiry = Math.max(current.expiresAt!, parked.expiresAt ?? 0);
  const expired = await eventually(
    async () => {
      const d = await handle.describe();
      return d.typedSearchAttributes.get(TokenStatus) === 'expired' ? d : undefined;
    },
    10_000,
    'TokenStatus expired',
  );
  // Woken by its expiry timer, not by a read: nothing asked the workflow in between.
  expect(Date.now()).toBeGreaterThanOrEqual(tokenExpiry - 50);
  const view = expired.memo?.[TOKEN_VIEW_MEMO_KEY] as TokenView;
  expect(view).toMatchObject({ status: 'expired', version: current.version });
  expect(view.accessToken).toBeUndefined();
  expect(await queryToken(stack.client, app)).toEqual({
    status: 'expired',
    version: current.version,
    nextRefreshAt: parked.nextRefreshAt,
    firstRunId: expired.raw.workflowExecutionInfo?.firstRunId,
  });
  const described = await describeApp(stack.client, app);
  expect(described.status).toBe('expired');
  expect(described.lastError).toMatchObject({ category: 'credential_invalid', code: '40125' });
  await eventually(
    async () => {
      const query = `WorkflowId = '${appWorkflowId('wechat', app.appid)}' AND TokenStatus = 'expired'`;
      for await (const wf of stack.client.workflow.list({ query })) return wf.workflowId;
      return undefined;
    },
    10_000,
    'visibility lists it as expired',
  );

  // Readers: the one that cached the token, a fresh one, and the gateway.
  expect(await clientRead(stack.tokens, app)).toEqual({ unavailable: 'expired' });
  expect(await clientRead(new TokenClient(stack.client), app)).toEqual({ unavailable: 'expired' });
  const answer = await gatewayRead(app);
  expect(answer.status).toBe(503);
  expect(answer.body.error).toMatchObject({ code: 'token_unavailable', status: 'expired' });
  // Parked still means no retry storm: nothing went upstream since.
  expect(await upstreamCalls(app.appid)).toBe(callsWhenParked);
});

it('with the worker stopped, reads go on from the published view until the expiry, then token_unavailable', async () => {
  const app = await stack.addWechatApp('basic');
  // Stop right after a refresh, so that the token has most of its life left.
  const before = await eventually(async () => {
    const v = await publishedView(app);
    return v?.status === 'active' && v.version >= 2 ? v : undefined;
  }, 20_000);
  const fresh = await eventually(async () => {
    const v = await publishedView(app);
    return v.version > before.version ? v : undefined;
  });
  await stack.stopWorker();
  try {
    const last = await publishedView(app);
    expect(last.version).toBeGreaterThanOrEqual(fresh.version);
    const expiresAt = last.expiresAt!;
    expect(expiresAt).toBeGreaterThan(Date.now());

    const cold = new TokenClient(stack.client);
    let served = 0;
    let refusedAfterExpiry = 0;
    // Read continuously through the expiry: every answer before it is the token, every one after is a 503.
    while (refusedAfterExpiry < 5) {
      const startedAt = Date.now();
      const [viaClient, viaCold, viaGateway] = await Promise.all([
        clientRead(stack.tokens, app),
        clientRead(cold, app),
        gatewayRead(app),
      ]);
      const finishedAt = Date.now();
      for (const answer of [viaClient, viaCold]) {
        if ('accessToken' in answer) {
          expect(answer).toMatchObject({ accessToken: last.accessToken, version: last.version });
          expect(startedAt).toBeLessThan(expiresAt);
        } else {
          expect(answer).toEqual({ unavailable: 'expired' });
          expect(finishedAt).toBeGreaterThanOrEqual(expiresAt);
        }
      }
      if (viaGateway.status === 200) {
        expect(viaGateway.body.access_token).toBe(last.accessToken);
        expect(startedAt).toBeLessThan(expiresAt);
        served++;
      } else {
        expect(viaGateway.status).toBe(503);
        expect(viaGateway.body.error).toMatchObject({ code: 'token_unavailable', status: 'expired' });
        expect(finishedAt).toBeGreaterThanOrEqual(expiresAt);
        if (startedAt >= expiresAt) refusedAfterExpiry++;
      }
      expect(Date.now()).toBeLessThan(expiresAt + 10_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(served).toBeGreaterThan(5);
  } finally {
    await stack.startWorker();
  }
  // The worker back: the workflow refreshes and readers are served again.
  const healed = await eventually(async () => {
    const answer = await clientRead(stack.tokens, app);
    return 'accessToken' in answer ? answer : undefined;
  }, 20_000);
  expect(healed.expiresAt).toBeGreaterThan(Date.now());
});
