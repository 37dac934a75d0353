/**
 * Passive-refresh reports are coalesced before they reach Temporal (the read path, issue 11): the
 * server limits in-flight updates per workflow (10), so 1,000 concurrent reports of one token must
 * become one `refresh` update, not 1,000. Stable mode (the default), real time: tokens live two
 * hours and only the reports cause refreshes.
 */
import { Pool } from 'undici';
import { appWorkflowId } from '../../workflows/credential-ids';
import { eventually } from '../harness/eventually';
import { startStack, type Stack } from '../harness/stack';
import { appHandle, describeApp, wechatBusinessCall } from '../harness/apps';

jest.setTimeout(90_000);

let stack: Stack;
let pool: Pool;
beforeAll(async () => {
  stack = await startStack({ timeScale: 1, httpTimeoutMs: 1_000 });
  pool = new Pool(await stack.startGateway(), { connections: 1_000 });
});
afterAll(async () => {
  await pool?.close();
  await stack?.teardown();
});

async function stableCalls(appid: string): Promise<number> {
  return (await stack.sandbox.control.calls({ platform: 'wechat', endpoint: '/cgi-bin/stable_token', appid })).total;
}

/** `refresh` updates the workflow accepted, over all its runs so far. */
async function acceptedUpdates(workflowId: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length;
}

async function call(method: 'GET' | 'POST', path: string, body?: unknown) {
  const started = performance.now();
  const response = await pool.request({
    method,
    path,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
  const json = (await response.body.json()) as Record<string, any>;
  return { status: response.statusCode, body: json, ms: performance.now() - started };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

it('1,000 concurrent reports of one token through the gateway: one update, one passive refresh, all 200', async () => {
  const app = await stack.addWechatApp('stable');
  const workflowId = appWorkflowId('wechat', app.appid);
  const tokenPath = `/v1/tokens/app/wechat/${app.appid}`;
  const first = await eventually(async () => {
    const r = await call('GET', tokenPath);
    return r.status === 200 ? r.body : undefined;
  });
  const callsBefore = await stableCalls(app.appid);
  expect(callsBefore).toBe(1);
  const updatesBefore = await acceptedUpdates(workflowId);
  expect(updatesBefore).toBe(0);

  const answers = await Promise.all(
    Array.from({ length: 1_000 }, () => call('POST', `${tokenPath}/invalidate`, { access_token: first.access_token })),
  );
  const sorted = answers.map((a) => a.ms).sort((a, b) => a - b);
  console.log(
    `1,000 concurrent reports of one token: p50 ${percentile(sorted, 50).toFixed(1)} ms, ` +
      `p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
  );

  // Every caller got the new token.
  const statuses = new Set(answers.map((a) => a.status));
  expect(statuses).toEqual(new Set([200]));
  const tokens = new Set(answers.map((a) => a.body.access_token));
  expect(tokens.size).toBe(1);
  const fresh = answers[0]!.body;
  expect(fresh.access_token).not.toBe(first.access_token);
  expect(fresh.version).toBe(first.version + 1);
  expect(await wechatBusinessCall(stack.sandbox.url, fresh.access_token)).not.toHaveProperty('errcode');
  expect(await wechatBusinessCall(stack.sandbox.url, first.access_token)).toMatchObject({ errcode: 40001 });

  // One update reached Temporal, and the workflow refreshed once: the passive path's upstream cost is
  // that of a single report in stable mode (a normal-mode re-fetch, which hands back the rejected
  // token, then the one force refresh).
  expect(await acceptedUpdates(workflowId)).toBe(1);
  const described = await describeApp(stack.client, app);
  expect(described).toMatchObject({ passiveRefreshes: 1, forcedRefreshes: 1, version: fresh.version });
  expect(await stableCalls(app.appid)).toBe(callsBefore + 2);

  // Late reports of the replaced token are answered from the cache: no update, no upstream call.
  const late = await Promise.all(
    Array.from({ length: 200 }, () => call('POST', `${tokenPath}/invalidate`, { access_token: first.access_token })),
  );
  for (const answer of late) expect(answer.body).toMatchObject({ access_token: fresh.access_token });
  expect(await acceptedUpdates(workflowId)).toBe(1);
  expect(await stableCalls(app.appid)).toBe(callsBefore + 2);
  expect((await appHandle(stack.client, app).describe()).status.name).toBe('RUNNING');
});
