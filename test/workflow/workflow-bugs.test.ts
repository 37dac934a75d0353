/**
 * A bug in workflow code fails the workflow TASK, not the refresh (issue 12, point 9): Temporal retries
 * the task until a fixed worker replays the history, instead of the credential recording a
 * `retry_later` failure and repeating it forever unnoticed. The bug is scripted: an activity answers
 * with a shape the workflow code cannot read (null where a token was due), so it throws a TypeError
 * inside the refresh path. The workflow stays running, its history shows WorkflowTaskFailed, and no
 * failure is recorded (the published view is unchanged).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { decodeOptionalFailureToOptionalError } from '@temporalio/common/lib/internal-non-workflow';
import { appTokenWorkflow, authorizerTokenWorkflow } from '../../workflows';
import { authorizeSignal, invalidateSignal, TOKEN_VIEW_MEMO_KEY, type TokenView } from '../../workflows/messages';
import { eventually } from '../harness/eventually';
import {
  createScriptedEnvironment,
  minted,
  teardownScriptedEnvironment,
  withScriptedWorker,
  SECOND,
  type ActivityOutput,
} from '../harness/scripted-worker';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createScriptedEnvironment();
}, 60_000);
afterAll(() => teardownScriptedEnvironment(env));

/** What a buggy workflow looks like from outside: running, a failed workflow task naming the TypeError. */
async function expectFailedWorkflowTask(handle: WorkflowHandle): Promise<void> {
  const failure = await eventually(
    async () => {
      const events = (await handle.fetchHistory()).events ?? [];
      return events.find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure;
    },
    15_000,
    'a WorkflowTaskFailed event',
  );
  // The failure converter moves the message into encrypted attributes: decode it as a client would.
  const decoded = await decodeOptionalFailureToOptionalError(env.client.options.loadedDataConverter, failure);
  expect(decoded).toBeDefined();
  expect(`${decoded!.message} ${decoded!.stack ?? ''}`).toMatch(/TypeError|Cannot read properties of null/);
  expect((await handle.describe()).status.name).toBe('RUNNING');
}

/** The view the workflow last published in its memo (server-side: what readers get). */
async function publishedView(handle: WorkflowHandle): Promise<TokenView> {
  return (await handle.describe()).memo?.[TOKEN_VIEW_MEMO_KEY] as TokenView;
}

it('app token: an unreadable activity result in a refresh fails the workflow task, records no refresh failure', async () => {
  let calls = 0;
  await withScriptedWorker(
    env,
    {
      fetchWechatAppToken: () => {
        calls++;
        // The second answer has a shape the workflow code cannot read: a TypeError in recordSuccess.
        return (calls === 1 ? minted('token-1') : null) as unknown as ActivityOutput<'fetchWechatAppToken'>;
      },
    },
    async (run) => {
      const handle = await run.start(appTokenWorkflow, 'app/wechat/wxworkflowbug001', {
        platform: 'wechat',
        appid: 'wxworkflowbug001',
        settings: { mode: 'basic', secretRef: { env: 'WX_SECRET' } },
      });
      await eventually(async () => (await publishedView(handle))?.version === 1, 10 * SECOND, 'first token');
      await handle.signal(invalidateSignal, { version: 1 });
      await expectFailedWorkflowTask(handle);
      expect(calls).toBe(2);
      // Not recorded as a failure: still active with the first token, no lastError, no backoff retry.
      expect(await publishedView(handle)).toMatchObject({ status: 'active', version: 1, accessToken: 'token-1' });
    },
  );
});

it('authorizer: an unreadable refresh result fails the workflow task instead of being taken for a failed refresh', async () => {
  let refreshes = 0;
  await withScriptedWorker(
    env,
    {
      refreshAuthorizerToken: () => {
        refreshes++;
        return null as unknown as ActivityOutput<'refreshAuthorizerToken'>;
      },
    },
    async (run) => {
      const handle = await run.start(authorizerTokenWorkflow, 'authorizer/douyin/tpcomponent00001/ttworkflowbug01', {
        platform: 'douyin',
        componentAppid: 'tpcomponent00001',
        authorizerAppid: 'ttworkflowbug01',
      });
      await handle.signal(authorizeSignal, {
        accessToken: 'at-1',
        refreshToken: 'rt-1',
        expiresInMs: 7200 * SECOND,
        latencyMs: 0,
        funcInfo: [1],
        source: 'authorized',
      });
      await eventually(async () => (await publishedView(handle))?.version === 1, 10 * SECOND, 'authorized');
      await handle.signal(invalidateSignal, { version: 1 });
      await expectFailedWorkflowTask(handle);
      // Without the rethrow the TypeError would be read as a failed refresh: recorded, then retried or recovered.
      expect(refreshes).toBe(1);
      expect(run.callsOf('retrieveAuthorizationCode')).toHaveLength(0);
      expect(await publishedView(handle)).toMatchObject({ status: 'active', version: 1 });
    },
  );
});
