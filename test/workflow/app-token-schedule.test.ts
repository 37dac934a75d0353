/**
 * When an own app's token is refreshed (docs/architecture.md invariant 2, "refresh ahead, never lapse"):
 * appTokenWorkflow on the time-skipping server, the token endpoint scripted. Hours pass in
 * milliseconds. The workflow's schedule is read from `describe` (exact, in workflow time); that the
 * call really comes then is checked by stepping the clock to just before and just after it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { AppTokenInput } from '../../workflows/app-token';
import { appTokenWorkflow } from '../../workflows';
import type { CredentialDescription } from '../../workflows/messages';
import {
  createScriptedEnvironment,
  teardownScriptedEnvironment,
  minted,
  withScriptedWorker,
  SECOND,
  type ScriptedRun,
} from '../harness/scripted-worker';

const LIFETIME_S = 7200;
const LIFETIME_MS = LIFETIME_S * SECOND;

function appInput(appid: string, mode: 'basic' | 'stable' = 'basic'): AppTokenInput {
  return { platform: 'wechat', appid, settings: { mode, secretRef: { env: `SECRET_${appid}` } } };
}

/** How far ahead of expiry the next refresh is scheduled, as a fraction of the token's lifetime. */
const aheadFraction = (d: CredentialDescription) => (d.expiresAt! - d.nextRefreshAt!) / (d.expiresAt! - d.obtainedAt!);

/** One refresh cycle: exactly one call at the scheduled time; returns the lifecycle after it. */
async function refreshCycle(run: ScriptedRun, handle: WorkflowHandle): Promise<CredentialDescription> {
  const before = await run.describe(handle);
  await run.expectNextCallAt(before.nextRefreshAt!);
  const after = await run.describe(handle);
  expect(after.version).toBe(before.version + 1);
  return after;
}

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createScriptedEnvironment();
}, 60_000);
afterAll(() => teardownScriptedEnvironment(env));

describe('app token refresh schedule', () => {
  it('basic mode: one call per refresh, each 20-25 % of the lifetime before the current token expires', async () => {
    let n = 0;
    await withScriptedWorker(
      env,
      { fetchWechatAppToken: () => minted(`basic-token-${++n}`, LIFETIME_S) },
      async (run) => {
        const handle = await run.start(appTokenWorkflow, 'app/wechat/wxschedulebasic01', appInput('wxschedulebasic01'));
        let d = await run.describedWhen(handle, (x) => x.version === 1, 'the first token');
        expect(d.status).toBe('active');
        expect(d.expiresAt! - d.obtainedAt!).toBe(LIFETIME_MS);

        for (let cycle = 0; cycle < 3; cycle++) {
          expect(aheadFraction(d)).toBeGreaterThanOrEqual(0.2);
          expect(aheadFraction(d)).toBeLessThan(0.25);
          d = await refreshCycle(run, handle);
        }

        const calls = run.callsOf('fetchWechatAppToken');
        expect(calls).toHaveLength(4);
        for (const call of calls) {
          expect(call.input).toEqual({
            appid: 'wxschedulebasic01',
            mode: 'basic',
            secretRef: { env: 'SECRET_wxschedulebasic01' },
            forceRefresh: false,
          });
        }
        expect(await run.token(handle)).toMatchObject({ status: 'active', accessToken: 'basic-token-4', version: 4 });
        expect(d).toMatchObject({ refreshes: 4, passiveRefreshes: 0, consecutiveFailures: 0 });
      },
    );
  });

  it('gives each app its own offset inside the window and keeps it from one cycle to the next', async () => {
    const ids = ['wxspreadaaaaaaaaa', 'wxspreadbbbbbbbbb'];
    let n = 0;
    await withScriptedWorker(
      env,
      { fetchWechatAppToken: ({ appid }) => minted(`${appid}-token-${++n}`, LIFETIME_S) },
      async (run) => {
        const handles = await Promise.all(
          ids.map((id) => run.start(appTokenWorkflow, `app/wechat/${id}`, appInput(id))),
        );
        const before = await Promise.all(
          handles.map((h) => run.describedWhen(h, (d) => d.version === 1, 'the first token')),
        );
        await run.advance(LIFETIME_MS);
        const after = await Promise.all(handles.map((h) => run.describe(h)));

        for (const [i, id] of ids.entries()) {
          expect(after[i].version).toBe(2);
          expect(run.callsOf('fetchWechatAppToken').filter((c) => c.input.appid === id)).toHaveLength(2);
          // The second cycle is scheduled with the same offset as the first.
          expect(aheadFraction(after[i])).toBeCloseTo(aheadFraction(before[i]), 6);
        }
        // Different apps, different offsets: more than 1 % of the lifetime apart.
        expect(Math.abs(aheadFraction(before[0]) - aheadFraction(before[1]))).toBeGreaterThan(0.01);
      },
    );
  });

  it('schedules each refresh by the expires_in the platform returned, not a constant', async () => {
    const lifetimesS = [7200, 600, 3600];
    let n = 0;
    await withScriptedWorker(
      env,
      { fetchWechatAppToken: () => minted(`varying-token-${n + 1}`, lifetimesS[n++] ?? 7200) },
      async (run) => {
        const handle = await run.start(appTokenWorkflow, 'app/wechat/wxschedulevary01', appInput('wxschedulevary01'));
        await run.describedWhen(handle, (d) => d.version === 1, 'the first token');
        const afterLong = await refreshCycle(run, handle);
        expect(afterLong.expiresAt! - afterLong.obtainedAt!).toBe(600 * SECOND);
        // Its 600 s successor is refreshed ~470 s later, not after another ~5600 s.
        expect(aheadFraction(afterLong)).toBeGreaterThanOrEqual(0.2);
        expect(aheadFraction(afterLong)).toBeLessThan(0.25);
        const afterShort = await refreshCycle(run, handle);
        expect(afterShort.expiresAt! - afterShort.obtainedAt!).toBe(3600 * SECOND);
        expect(aheadFraction(afterShort)).toBeGreaterThanOrEqual(0.2);
        expect(aheadFraction(afterShort)).toBeLessThan(0.25);
      },
    );
  });

  it('stable mode refreshes inside stable_token’s window: 2.5-3.5 % of the lifetime before expiry', async () => {
    let n = 0;
    await withScriptedWorker(
      env,
      { fetchWechatAppToken: () => minted(`stable-token-${++n}`, LIFETIME_S) },
      async (run) => {
        const handle = await run.start(
          appTokenWorkflow,
          'app/wechat/wxschedulestable1',
          appInput('wxschedulestable1', 'stable'),
        );
        const first = await run.describedWhen(handle, (d) => d.version === 1, 'the first token');
        expect(aheadFraction(first)).toBeGreaterThanOrEqual(0.025);
        expect(aheadFraction(first)).toBeLessThan(0.035);

        await refreshCycle(run, handle);
        expect(run.callsOf('fetchWechatAppToken')[1].input).toMatchObject({ mode: 'stable', forceRefresh: false });
        expect((await run.token(handle)).version).toBe(2);
      },
    );
  });
});
