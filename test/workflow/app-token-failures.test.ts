/**
 * What an own app's workflow does when its token endpoint fails (docs/architecture.md invariant 6: errors
 * are classified, and each class has its own reaction): transient failures back off while the
 * token stays served, a configuration error waits for the hourly recheck or a reconfiguration,
 * quota errors back off slowly. appTokenWorkflow on the time-skipping server, the endpoint scripted.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { AppTokenInput } from '../../workflows/app-token';
import { appTokenWorkflow } from '../../workflows';
import { configureSignal, invalidateSignal, refreshUpdate, type AppSettings } from '../../workflows/messages';
import {
  createScriptedEnvironment,
  teardownScriptedEnvironment,
  minted,
  platformFailure,
  withScriptedWorker,
  HOUR,
  MINUTE,
  SECOND,
  type ScriptedRun,
} from '../harness/scripted-worker';

const LIFETIME_S = 7200;

const settings = (secretEnv: string): AppSettings => ({ mode: 'basic', secretRef: { env: secretEnv } });
const appInput = (appid: string): AppTokenInput => ({ platform: 'wechat', appid, settings: settings('WX_SECRET') });

const busy = () => platformFailure({ platform: 'wechat', category: 'retry_later', code: '-1', message: 'system busy' });
const wrongSecret = () =>
  platformFailure({ platform: 'wechat', category: 'credential_invalid', code: '40125', message: 'invalid appsecret' });
const quotaReached = () =>
  platformFailure({
    platform: 'wechat',
    category: 'quota_exhausted',
    code: '45009',
    message: 'reach max api daily quota',
  });

/**
 * Steps through `count` consecutive failed attempts, from the one scheduled next: each comes when
 * the workflow said it would, and each is followed by the backoff it then schedules (from
 * `describe`, in workflow time). Returns those backoff delays.
 */
async function failedAttempts(run: ScriptedRun, handle: WorkflowHandle, count: number): Promise<number[]> {
  const delays: number[] = [];
  for (let i = 0; i < count; i++) {
    await run.expectNextCallAt((await run.describe(handle)).nextRefreshAt!, 400);
    const d = await run.describe(handle);
    delays.push(d.nextRefreshAt! - d.lastError!.at);
  }
  return delays;
}

/** Each delay within the ±25 % spread around its nominal backoff (refresh-schedule.ts: a fleet must not retry in step). */
function expectBackoff(delays: number[], nominalSeconds: number[]) {
  expect(delays).toHaveLength(nominalSeconds.length);
  delays.forEach((delay, i) => {
    expect(delay).toBeGreaterThanOrEqual(0.75 * nominalSeconds[i] * SECOND);
    expect(delay).toBeLessThanOrEqual(1.25 * nominalSeconds[i] * SECOND);
  });
}

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createScriptedEnvironment();
}, 60_000);
afterAll(() => teardownScriptedEnvironment(env));

describe('app token failures', () => {
  it('transient failures: degraded while the token is valid, backoff doubling from 1 s (±25 %), active again on success', async () => {
    let failing = false;
    let n = 0;
    await withScriptedWorker(
      env,
      {
        fetchWechatAppToken: () => {
          if (failing) throw busy();
          return minted(`token-${++n}`, LIFETIME_S);
        },
      },
      async (run) => {
        const handle = await run.start(appTokenWorkflow, 'app/wechat/wxfailtransient1', appInput('wxfailtransient1'));
        await run.describedWhen(handle, (d) => d.version === 1, 'the first token');
        failing = true;
        expectBackoff(await failedAttempts(run, handle, 5), [1, 2, 4, 8, 16]);
        const degraded = await run.describe(handle);
        expect(degraded).toMatchObject({
          status: 'degraded',
          version: 1,
          consecutiveFailures: 5,
          lastError: { category: 'retry_later', code: '-1' },
        });
        // Readers keep getting the still-valid token.
        expect(await run.token(handle)).toMatchObject({ status: 'degraded', accessToken: 'token-1', version: 1 });

        failing = false;
        await run.expectNextCallAt(degraded.nextRefreshAt!, 400);
        expect(run.callsOf('fetchWechatAppToken')).toHaveLength(7);
        expect(await run.describe(handle)).toMatchObject({ status: 'active', version: 2, consecutiveFailures: 0 });
        expect(await run.token(handle)).toMatchObject({ status: 'active', accessToken: 'token-2', version: 2 });
      },
    );
  });

  it('failures outlasting the token: expired and no token served, retries capped at 5 % of the lifetime', async () => {
    let failing = false;
    let n = 0;
    const lifetimeS = 600;
    await withScriptedWorker(
      env,
      {
        fetchWechatAppToken: () => {
          if (failing) throw busy();
          return minted(`short-token-${++n}`, lifetimeS);
        },
      },
      async (run) => {
        const handle = await run.start(appTokenWorkflow, 'app/wechat/wxfailexpired01', appInput('wxfailexpired01'));
        const first = await run.describedWhen(handle, (d) => d.version === 1, 'the first token');
        failing = true;
        // Backoff 1, 2, 4 … s, capped at 30 s (5 % of 600 s), each ±25 %: never a storm, never silent for long.
        expectBackoff(await failedAttempts(run, handle, 7), [1, 2, 4, 8, 16, 30, 30]);
        await run.advanceTo(first.expiresAt! + MINUTE);
        const view = await run.token(handle);
        expect(view.status).toBe('expired');
        expect(view.accessToken).toBeUndefined();

        failing = false;
        await run.advance(40 * SECOND); // the next retry: 30 s ± 25 %
        expect(await run.token(handle)).toMatchObject({ status: 'active', accessToken: 'short-token-2', version: 2 });
      },
    );
  });

  it('credential_invalid: no call until the hourly recheck, reports ignored; a changed configuration retries at once', async () => {
    let secretFixed = false;
    let n = 0;
    await withScriptedWorker(
      env,
      {
        fetchWechatAppToken: ({ secretRef }) => {
          if (n > 0 && !(secretFixed && 'env' in secretRef && secretRef.env === 'WX_SECRET_ROTATED'))
            throw wrongSecret();
          // Six hours: the token outlives the failed refresh plus the hourly recheck, so the status stays put.
          return minted(`token-${++n}`, 6 * 3600);
        },
      },
      async (run) => {
        const handle = await run.start(appTokenWorkflow, 'app/wechat/wxfailcredential', appInput('wxfailcredential'));
        const first = await run.describedWhen(handle, (d) => d.version === 1, 'the first token');
        await run.expectNextCallAt(first.nextRefreshAt!);
        const calls = () => run.callsOf('fetchWechatAppToken');
        const failed = await run.describe(handle);
        expect(failed).toMatchObject({
          status: 'credential_invalid',
          lastError: { category: 'credential_invalid', code: '40125' },
        });
        expect(failed.nextRefreshAt! - failed.lastError!.at).toBe(HOUR);

        // Callers reporting the token, by signal or update, cause no call.
        for (let i = 0; i < 5; i++) await handle.signal(invalidateSignal, { version: 1 });
        const answered = await handle.executeUpdate(refreshUpdate, { args: [{ version: 1 }] });
        expect(answered.status).toBe('credential_invalid');

        // The hourly recheck: one quiet call (nothing before it), still failing.
        await run.expectNextCallAt(failed.nextRefreshAt!, MINUTE);
        expect(calls()).toHaveLength(3);
        expect((await run.describe(handle)).status).toBe('credential_invalid');

        // The same configuration again changes nothing; a new secret reference is tried at once.
        await handle.signal(configureSignal, settings('WX_SECRET'));
        await run.advance(SECOND);
        expect(calls()).toHaveLength(3);
        secretFixed = true;
        await handle.signal(configureSignal, settings('WX_SECRET_ROTATED'));
        await run.advance(SECOND);
        expect(calls()).toHaveLength(4);
        expect(calls()[3].input.secretRef).toEqual({ env: 'WX_SECRET_ROTATED' });
        expect(await run.token(handle)).toMatchObject({ status: 'active', accessToken: 'token-2', version: 2 });
      },
    );
  });

  it('quota_exhausted: backs off from 10 s, doubling (±25 %), and keeps serving the valid token', async () => {
    let n = 0;
    await withScriptedWorker(
      env,
      {
        fetchWechatAppToken: () => {
          if (n > 0) throw quotaReached();
          return minted(`token-${++n}`, LIFETIME_S);
        },
      },
      async (run) => {
        const handle = await run.start(appTokenWorkflow, 'app/wechat/wxfailquota00001', appInput('wxfailquota00001'));
        await run.describedWhen(handle, (d) => d.version === 1, 'the first token');
        expectBackoff(await failedAttempts(run, handle, 4), [10, 20, 40, 80]);
        expect(await run.describe(handle)).toMatchObject({
          status: 'degraded',
          consecutiveFailures: 4,
          lastError: { category: 'quota_exhausted', code: '45009' },
        });
        expect(await run.token(handle)).toMatchObject({ accessToken: 'token-1', version: 1 });
      },
    );
  });
});
