/**
 * Continue-as-new keeps history bounded without losing the token, its version or a pending
 * report. The dev server suggests continue-as-new after 30 events (production: thousands).
 */
import { refreshUpdate, type TokenView } from '../../workflows/messages';
import { eventually, startStack, type Stack } from '../harness/stack';
import { appHandle, queryToken, wechatBusinessCall } from './helpers';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeScale: 2000, suggestContinueAsNewAt: 30 });
});
afterAll(async () => {
  await stack?.teardown();
});

it('continues as new repeatedly, keeping token, version and reports', async () => {
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
