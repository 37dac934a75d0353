/**
 * Continue-as-new keeps history bounded without losing the token, its version or a pending
 * report. The dev server suggests continue-as-new after 30 events (production: thousands).
 */
import { request } from 'undici';
import { componentWorkflowId } from '../../workflows/credential-ids';
import { refreshUpdate, tokenQuery, type TokenView } from '../../workflows/messages';
import { eventually } from '../harness/eventually';
import { startStack, type Stack } from '../harness/stack';
import { appHandle, queryToken, wechatBusinessCall } from '../harness/apps';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeScale: 2000, suggestContinueAsNewAt: 30 });
});
afterAll(async () => {
  await stack?.teardown();
});

it('an app continues as new repeatedly, keeping token, version and reports', async () => {
  const app = await stack.addWechatApp('basic');
  const handle = appHandle(stack.client, app);
  const firstRun = (await handle.describe()).runId;
  const runs = new Set<string>([firstRun]);
  const answers: Promise<TokenView>[] = [];
  let lastVersion = 0;
  let polls = 0;

  await eventually(
    async () => {
      const view = await queryToken(stack.client, app);
      // Across runs the version only grows and a reader always gets a live token.
      expect(view.version).toBeGreaterThanOrEqual(lastVersion);
      lastVersion = view.version;
      if (view.version > 0) {
        expect(view.accessToken).toBeDefined();
        // Bursts of reports keep arriving around the workflow's continue-as-new decisions.
        if (++polls % 10 === 0) {
          for (let i = 0; i < 5; i++) {
            answers.push(handle.executeUpdate(refreshUpdate, { args: [{ version: view.version }] }));
          }
        }
      }
      runs.add((await handle.describe()).runId);
      return runs.size >= 3 ? true : undefined;
    },
    60_000,
    'two continue-as-new transitions',
  );

  // Every report was answered, none lost across runs, each with a token at least as new as reported.
  const settled = await Promise.all(answers);
  for (const answer of settled) expect(answer.accessToken).toBeDefined();
  const final = await eventually(async () => {
    const v = await queryToken(stack.client, app);
    return v.status === 'active' ? v : undefined;
  });
  expect(final.version).toBeGreaterThanOrEqual(lastVersion);
  expect(await wechatBusinessCall(stack.sandbox.url, final.accessToken!)).not.toHaveProperty('errcode');
  const description = await handle.describe();
  expect(description.runId).not.toBe(firstRun);
  expect(description.historyLength).toBeLessThan(200);
});

it('a component continues as new between refreshes: a 30-day Baidu TP token under ticket pushes keeps history bounded', async () => {
  const gatewayUrl = await stack.startGateway();
  const c = await stack.addTpComponent('baidu');
  // A ticket every 10 platform minutes is one every 0.3 s here; the TP token lives 30 platform days (21 min).
  await stack.sandbox.control.startBaiduTickets(c.componentAppid);
  const handle = stack.client.workflow.getHandle(componentWorkflowId('baidu', c.componentAppid));
  await eventually(async () => {
    const response = await request(`${gatewayUrl}/v1/tokens/component/baidu/${c.componentAppid}`);
    await response.body.dump();
    return response.statusCode === 200 ? true : undefined;
  });
  const firstRun = (await handle.describe()).runId;
  const runs = await eventually(
    async () => {
      const runId = (await handle.describe()).runId;
      return runId !== firstRun ? runId : undefined;
    },
    40_000,
    'continue-as-new with no refresh due',
  );
  expect(runs).not.toBe(firstRun);
  await stack.sandbox.control.pauseBaiduTickets(c.componentAppid);
  // No refresh was due: the same token, version 1, carried into the new run.
  const view = await handle.query(tokenQuery);
  expect(view).toMatchObject({ status: 'active', version: 1 });
  expect((await handle.describe()).historyLength).toBeLessThan(200);
});
