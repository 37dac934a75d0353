/**
 * Passive refresh (docs/architecture.md invariant 1, compare-and-refresh): a caller that saw the current
 * token rejected reports its version; however many report it at once, the platform is called once;
 * a report of a version that is no longer current calls nothing and answers with the current token.
 * Stable mode spends a force refresh (20 a day, 30 s apart) only when the normal re-fetch hands
 * back the rejected token. appTokenWorkflow on the time-skipping server, the endpoint scripted.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { AppTokenInput } from '../../workflows/app-token';
import { appTokenWorkflow } from '../../workflows';
import { invalidateSignal, refreshUpdate } from '../../workflows/messages';
import {
  createScriptedEnvironment,
  teardownScriptedEnvironment,
  gate,
  minted,
  withScriptedWorker,
  HOUR,
  SECOND,
} from '../harness/scripted-worker';
import { eventually } from '../harness/eventually';

const appInput = (appid: string, mode: 'basic' | 'stable'): AppTokenInput => ({
  platform: 'wechat',
  appid,
  settings: { mode, secretRef: { env: 'WX_SECRET' } },
});

/** Updates the workflow has accepted so far (from its history). */
async function acceptedUpdates(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((event) => event.workflowExecutionUpdateAcceptedEventAttributes).length;
}

/** Waits (wall clock, at most 10 s) for what the worker does between two advances of the server's clock. */
const waitFor = (probe: () => Promise<boolean>, what: string) => eventually(probe, 10_000, what);

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createScriptedEnvironment();
}, 60_000);
afterAll(() => teardownScriptedEnvironment(env));

describe('passive refresh', () => {
  it('concurrent refresh updates and invalidate signals for the current version: one platform call, one answer for all', async () => {
    const inFlight = gate();
    let n = 0;
    await withScriptedWorker(
      env,
      {
        fetchWechatAppToken: async () => {
          if (++n > 1) await inFlight.wait;
          return minted(`token-${n}`);
        },
      },
      async (run) => {
        const handle = await run.start(
          appTokenWorkflow,
          'app/wechat/wxpassiveconcur1',
          appInput('wxpassiveconcur1', 'basic'),
        );
        await run.describedWhen(handle, (d) => d.version === 1, 'the first token');

        const updates = Array.from({ length: 5 }, () =>
          handle.executeUpdate(refreshUpdate, { args: [{ version: 1 }] }),
        );
        for (let i = 0; i < 3; i++) await handle.signal(invalidateSignal, { version: 1, reason: '40001' });
        // Every report is in the workflow while the one refresh is in flight.
        await waitFor(
          async () => (await acceptedUpdates(handle)) === 5 && run.callsOf('fetchWechatAppToken').length === 2,
          'five accepted updates and the refresh in flight',
        );
        inFlight.release();

        const answers = await Promise.all(updates);
        for (const answer of answers) {
          expect(answer).toMatchObject({ status: 'active', accessToken: 'token-2', version: 2 });
        }
        await run.advance(SECOND);
        expect(run.callsOf('fetchWechatAppToken')).toHaveLength(2);
        expect(await run.describe(handle)).toMatchObject({ version: 2, refreshes: 2, passiveRefreshes: 1 });
      },
    );
  });

  it('a report of a version that is no longer current calls nothing and answers with the current token', async () => {
    let n = 0;
    await withScriptedWorker(env, { fetchWechatAppToken: () => minted(`token-${++n}`) }, async (run) => {
      const handle = await run.start(
        appTokenWorkflow,
        'app/wechat/wxpassivestale01',
        appInput('wxpassivestale01', 'basic'),
      );
      await run.describedWhen(handle, (d) => d.version === 1, 'the first token');
      const fresh = await handle.executeUpdate(refreshUpdate, { args: [{ version: 1 }] });
      expect(fresh).toMatchObject({ accessToken: 'token-2', version: 2 });

      // Late reporters of version 1 (and a confused one naming a future version).
      await handle.signal(invalidateSignal, { version: 1 });
      const late = await handle.executeUpdate(refreshUpdate, { args: [{ version: 1 }] });
      const future = await handle.executeUpdate(refreshUpdate, { args: [{ version: 7 }] });
      await run.advance(SECOND);

      expect(late).toMatchObject({ accessToken: 'token-2', version: 2 });
      expect(future).toMatchObject({ accessToken: 'token-2', version: 2 });
      expect(run.callsOf('fetchWechatAppToken')).toHaveLength(2);
      expect((await run.describe(handle)).passiveRefreshes).toBe(1);
    });
  });

  it('stable mode: the normal re-fetch comes first; a different token handed back is taken without a force refresh', async () => {
    let platformToken = 'stable-1';
    await withScriptedWorker(env, { fetchWechatAppToken: () => minted(platformToken) }, async (run) => {
      const handle = await run.start(
        appTokenWorkflow,
        'app/wechat/wxpassivestable1',
        appInput('wxpassivestable1', 'stable'),
      );
      await run.describedWhen(handle, (d) => d.version === 1, 'the first token');
      // The platform rotated the token already (e.g. another system force-refreshed it).
      platformToken = 'stable-2';
      const answer = await handle.executeUpdate(refreshUpdate, { args: [{ version: 1 }] });

      expect(answer).toMatchObject({ accessToken: 'stable-2', version: 2 });
      expect(run.callsOf('fetchWechatAppToken').map((c) => c.input.forceRefresh)).toEqual([false, false]);
      expect((await run.describe(handle)).forcedRefreshes).toBe(0);
    });
  });

  it('stable mode: handed back the rejected token, it force-refreshes; force refreshes stay 30 s apart and 20 a day', async () => {
    let platformToken = 'stable-0';
    let forced = 0;
    await withScriptedWorker(
      env,
      {
        // Normal mode hands back the platform's current token; force mode replaces it.
        fetchWechatAppToken: ({ forceRefresh }) => {
          if (forceRefresh) platformToken = `stable-forced-${++forced}`;
          return minted(platformToken);
        },
      },
      async (run) => {
        const handle = await run.start(
          appTokenWorkflow,
          'app/wechat/wxpassiveforce01',
          appInput('wxpassiveforce01', 'stable'),
        );
        await run.describedWhen(handle, (d) => d.version === 1, 'the first token');
        const forceCalls = () => run.callsOf('fetchWechatAppToken').filter((c) => c.input.forceRefresh);

        const first = await handle.executeUpdate(refreshUpdate, { args: [{ version: 1 }] });
        expect(first).toMatchObject({ accessToken: 'stable-forced-1', version: 2 });
        expect(run.callsOf('fetchWechatAppToken').map((c) => c.input.forceRefresh)).toEqual([false, false, true]);

        // Reported again at once: the normal re-fetch hands back the forced token, and the force waits
        // until 30 s after the first one.
        const second = handle.executeUpdate(refreshUpdate, { args: [{ version: 2 }] });
        await waitFor(async () => run.callsOf('fetchWechatAppToken').length === 4, 'the normal re-fetch');
        await run.advance(20 * SECOND);
        expect(forceCalls()).toHaveLength(1);
        await run.advance(15 * SECOND);
        expect(await second).toMatchObject({ accessToken: 'stable-forced-2', version: 3 });

        // Eighteen more reports, each of the token just forced, each let through its 30 s gap.
        for (let i = 3; i <= 20; i++) {
          const normalCalls = run.callsOf('fetchWechatAppToken').length + 1;
          const report = handle.executeUpdate(refreshUpdate, { args: [{ version: i }] });
          await waitFor(async () => run.callsOf('fetchWechatAppToken').length >= normalCalls, 'the normal re-fetch');
          await run.advance(31 * SECOND);
          expect(await report).toMatchObject({ accessToken: `stable-forced-${i}`, version: i + 1 });
        }

        // The 21st within the day: no force call; the token stays, the limit shows as the last error.
        const refused = await handle.executeUpdate(refreshUpdate, { args: [{ version: 21 }] });
        expect(refused).toMatchObject({ accessToken: 'stable-forced-20', version: 21 });
        expect(forceCalls()).toHaveLength(20);
        expect(await run.describe(handle)).toMatchObject({
          forcedRefreshes: 20,
          lastError: { category: 'quota_exhausted', code: 'force_refresh_limit' },
        });

        // A day later the limit has rolled over.
        await run.advance(24 * HOUR);
        const current = (await run.token(handle)).version;
        const again = await handle.executeUpdate(refreshUpdate, { args: [{ version: current }] });
        expect(forceCalls()).toHaveLength(21);
        expect(again).toMatchObject({ accessToken: 'stable-forced-21', version: current + 1 });
      },
    );
  });
});
