/**
 * The CI replay gate (docs/changing-workflows.md). The credential workflows never end, so every code
 * change meets running histories: each history recorded by `npm run record:histories` (every
 * workflow type through its important paths, several runs across continue-as-new) is replayed with
 * the current workflow code, the production bundle and data converter (payloads decrypted with the
 * TEST-ONLY key committed with them). A change that would issue other commands for one of them fails
 * here instead of in production. The last test shows the gate bites: a copy of the workflows that
 * adds one activity call to appTokenWorkflow fails every recorded app-token history.
 */
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { loadRecordedHistories, replayDataConverter, type RecordedHistory } from './recorded-histories';
// Importing the harness also installs the test runtime's logger: SDK and core output at ERROR only
// (replay workers log every state change at INFO).
import { bundleTestWorkflows } from '../harness/temporal';

const histories = loadRecordedHistories();
const dataConverter = replayDataConverter();

/** Replays `recorded` and returns the error of each, by history name (undefined: replayed cleanly). */
async function replay(
  workflowBundle: ReplayWorkerOptions['workflowBundle'],
  recorded: RecordedHistory[],
): Promise<Map<string, Error | undefined>> {
  const errors = new Map<string, Error | undefined>();
  const replays = Worker.runReplayHistories(
    { workflowBundle, dataConverter, replayName: 'token-central-replay-gate' },
    recorded.map(({ workflowId, history }) => ({ workflowId, history })),
  );
  // One at a time, in order: the n-th result is the n-th history's.
  let n = 0;
  for await (const result of replays) errors.set(recorded[n++]!.name, result.error);
  return errors;
}

/** What a recorded workflow (all its runs) shows: activities, signals, updates, continue-as-new, completion. */
function featuresOf(name: string): Set<string> {
  const features = new Set<string>();
  for (const h of histories.filter((x) => x.name === name || x.name.startsWith(`${name}.run`))) {
    for (const e of h.history.events ?? []) {
      const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
      if (activity) features.add(`activity ${activity}`);
      if (e.workflowExecutionSignaledEventAttributes) {
        features.add(`signal ${e.workflowExecutionSignaledEventAttributes.signalName}`);
      }
      const update = e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name;
      if (update) features.add(`update ${update}`);
      if (e.workflowExecutionContinuedAsNewEventAttributes) features.add('continue-as-new');
      if (e.workflowExecutionCompletedEventAttributes) features.add('completed');
    }
  }
  return features;
}

it('the recorded histories cover every workflow type and the important paths', () => {
  expect([...new Set(histories.map((h) => h.workflowType))]).toEqual(
    expect.arrayContaining([
      'appTokenWorkflow',
      'authCodeWorkflow',
      'authorizerTokenWorkflow',
      'componentTokenWorkflow',
    ]),
  );
  const paths: Record<string, string[]> = {
    'app-basic-first-scheduled-passive': ['activity fetchWechatAppToken', 'update refresh'],
    'app-stable-force-refresh': ['activity fetchWechatAppToken', 'update refresh'],
    'app-continue-as-new': ['continue-as-new'],
    'component-wechat-ticket-refresh': ['signal ticket', 'activity fetchComponentToken'],
    'component-douyin-tickets': ['signal ticket', 'activity fetchComponentToken'],
    'component-baidu-tickets': ['signal ticket', 'activity fetchComponentToken'],
    'authcode-wechat-redirect': ['activity handOverGrant'],
    'authcode-wechat-event': ['activity handOverGrant'],
    'authcode-baidu-redirect': ['activity resolveAuthorizerAppid'],
    'authorizer-wechat-redirect-revoke': ['signal authorize', 'signal revoke', 'completed'],
    'authorizer-wechat-event-refresh-61023-revoke': [
      'signal authorize',
      'activity refreshAuthorizerToken',
      'activity recoverWechatRefreshToken',
      'signal revoke',
    ],
    'authorizer-douyin-event-refresh-recovery-revoke': [
      'activity refreshAuthorizerToken',
      'activity retrieveAuthorizationCode',
      'signal revoke',
    ],
    'authorizer-baidu-event-refresh-recovery-revoke': [
      'activity refreshAuthorizerToken',
      'activity retrieveAuthorizationCode',
      'signal revoke',
    ],
    'authorizer-douyin-redirect': ['signal authorize'],
    'authorizer-baidu-redirect': ['signal authorize'],
  };
  for (const [name, expected] of Object.entries(paths)) {
    expect([name, [...featuresOf(name)]]).toEqual([name, expect.arrayContaining(expected)]);
  }
});

it('every recorded history replays with the current workflow code', async () => {
  const results = await replay(
    await bundleTestWorkflows({ workflowsPath: require.resolve('../../workflows') }),
    histories,
  );
  const failures = [...results].filter(([, error]) => error).map(([name, error]) => `${name}: ${error!.message}`);
  expect(failures).toEqual([]);
  expect(results.size).toBe(histories.length);
}, 120_000);

it('the gate bites: a change without patched() fails replay of every recorded app-token history', async () => {
  const appHistories = histories.filter((h) => h.workflowType === 'appTokenWorkflow');
  expect(appHistories.length).toBeGreaterThan(0);
  const results = await replay(
    await bundleTestWorkflows({ workflowsPath: require.resolve('./fixtures/non-deterministic-workflows') }),
    appHistories,
  );
  expect(results.size).toBe(appHistories.length);
  for (const [name, error] of results) {
    expect([name, error]).toEqual([name, expect.any(DeterminismViolationError)]);
  }
}, 120_000);
