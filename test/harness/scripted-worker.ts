/**
 * Workflow tests on the time-skipping server: the real credential workflows on a worker whose
 * activities are plain functions each test scripts, so refresh schedules, backoff and recovery
 * branches run in milliseconds of wall-clock time and the same way every time.
 *
 * The server's clock runs at wall-clock speed until a test calls `advance(ms)`; then it jumps from
 * timer to timer, but never while a workflow task or an activity is pending. So when `advance`
 * returns, everything that fell due inside the skipped interval has run (the test server locks time
 * skipping while such work is outstanding), and a test may assert that something did NOT happen.
 */
import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle, WorkflowStartOptions } from '@temporalio/client';
import { ApplicationFailure, type Workflow } from '@temporalio/common';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { PlatformFailureDetails } from '../../platforms/errors';
import { describeQuery, tokenQuery, type CredentialDescription, type TokenView } from '../../workflows/messages';
import { allSearchAttributes } from '../../workflows/search-attributes';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleTestWorkflows, createTimeSkippingEnvironment, testDataConverter } from './temporal';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

export type ActivityName = keyof Activities;
export type ActivityInput<K extends ActivityName> = Parameters<Activities[K]>[0];
export type ActivityOutput<K extends ActivityName> = Awaited<ReturnType<Activities[K]>>;

/** What a test says an activity does: same names and shapes as activities/index.ts + activities/tp.ts. */
export type Script = {
  [K in ActivityName]?: (input: ActivityInput<K>) => ActivityOutput<K> | Promise<ActivityOutput<K>>;
};

/** Every activity the worker registers; tsc fails here when activities/ gains one that is not listed. */
const ACTIVITY_NAMES = [
  'fetchWechatAppToken',
  'fetchComponentToken',
  'startWechatPushTicket',
  'exchangeAuthCode',
  'resolveAuthorizerAppid',
  'handOverGrant',
  'refreshAuthorizerToken',
  'recoverWechatRefreshToken',
  'retrieveAuthorizationCode',
  'webhookTargetCount',
  'deliverWebhook',
] as const satisfies readonly ActivityName[];

/**
 * Status-change webhook delivery (a `deliverWebhook` call per notification here, see
 * scriptedWorkflowBundle): not a platform call, so unless scripted it is not recorded in `calls`.
 */
const UNRECORDED_DEFAULTS: Partial<Record<ActivityName, () => unknown>> = {
  webhookTargetCount: () => 0,
  deliverWebhook: () => true,
};
type Unlisted = Exclude<ActivityName, (typeof ACTIVITY_NAMES)[number]>;
const everyActivityListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyActivityListed;

/**
 * One time-skipping server per test file, with the project's search attributes registered (the
 * workflows upsert them; an unknown one fails the workflow task). Bundles the workflows meanwhile.
 */
export async function createScriptedEnvironment(): Promise<TestWorkflowEnvironment> {
  const [env] = await Promise.all([createTimeSkippingEnvironment(), scriptedWorkflowBundle()]);
  // The test server implements AddSearchAttributes (not List): add them all on its fresh namespace.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace,
    searchAttributes: Object.fromEntries(
      allSearchAttributes.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
    ),
  });
  return env;
}

export interface Call<K extends ActivityName = ActivityName> {
  activity: K;
  input: ActivityInput<K>;
  /** Server time (skipped time included) the attempt was scheduled, epoch ms. */
  at: number;
}

/** A classified platform failure exactly as activities/index.ts `classified` throws it. */
export function platformFailure(details: PlatformFailureDetails): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'PlatformError',
    message: `${details.platform} ${details.code}: ${details.message}`,
    details: [details],
  });
}

export interface ScriptedRun {
  /** This run's task queue, for workflows started by the project's own client functions (submitAuthCode…). */
  taskQueue: string;
  /** Every activity call in order, scripted or not (an unscripted one also fails the activity). */
  calls: Call[];
  callsOf<K extends ActivityName>(activity: K): Call<K>[];
  /** Starts a workflow on this run's worker; it is terminated when the run ends. */
  start<W extends Workflow>(workflow: W, workflowId: string, ...args: Parameters<W>): Promise<WorkflowHandle<W>>;
  /** Skips `ms` of server time, running everything that falls due meanwhile. */
  advance(ms: number): Promise<void>;
  /** Skips to server time `epochMs` (at least 1 ms). */
  advanceTo(epochMs: number): Promise<void>;
  /**
   * Asserts that the workflow's next activity call comes at `epochMs`: none until `toleranceMs`
   * before it, exactly one by `toleranceMs` after. (Call timestamps carry a few hundred ms of jitter
   * on a loaded machine, so timing is checked against the skipped clock, not measured between calls.)
   */
  expectNextCallAt(epochMs: number, toleranceMs?: number): Promise<void>;
  /** Server time, epoch ms. */
  now(): Promise<number>;
  describe(handle: WorkflowHandle): Promise<CredentialDescription>;
  token(handle: WorkflowHandle): Promise<TokenView>;
  /** Polls `describe` (wall-clock deadline) until `where` holds; for the first, un-timed steps of a run. */
  describedWhen(
    handle: WorkflowHandle,
    where: (d: CredentialDescription) => boolean,
    what: string,
  ): Promise<CredentialDescription>;
}

/**
 * Runs `body` with a fresh worker (own task queue) whose activities follow `script`. Workflows the
 * body started are terminated afterwards: a timer of a leftover workflow would otherwise fire
 * during a later test's `advance` with no worker to take its task, and hold the clock.
 */
export async function withScriptedWorker<R>(
  env: TestWorkflowEnvironment,
  script: Script,
  body: (run: ScriptedRun) => Promise<R>,
): Promise<R> {
  const taskQueue = `scripted-${randomUUID()}`;
  const calls: Call[] = [];
  const started: WorkflowHandle[] = [];

  const activities = Object.fromEntries(
    ACTIVITY_NAMES.map((name) => [
      name,
      async (input: unknown) => {
        const unrecorded = UNRECORDED_DEFAULTS[name];
        if (unrecorded && !script[name]) return unrecorded();
        calls.push({ activity: name, input, at: Context.current().info.currentAttemptScheduledTimestampMs } as Call);
        const scripted = script[name] as ((input: unknown) => unknown) | undefined;
        if (!scripted) throw ApplicationFailure.nonRetryable(`unscripted activity ${name}`, 'UnscriptedActivity');
        // A held (gated) call gives way when the worker shuts down, e.g. after a test timed out.
        return Promise.race([Promise.resolve(scripted(input)), Context.current().cancelled]);
      },
    ]),
  );

  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    workflowBundle: await scriptedWorkflowBundle(),
    activities,
    dataConverter: testDataConverter,
    shutdownForceTime: '5s',
  });

  const run: ScriptedRun = {
    taskQueue,
    calls,
    callsOf: <K extends ActivityName>(activity: K) =>
      calls.filter((call): call is Call<K> => call.activity === activity),
    async start(workflow, workflowId, ...args) {
      const options = { taskQueue, workflowId, args } as unknown as WorkflowStartOptions<typeof workflow>;
      const handle = await env.client.workflow.start(workflow, options);
      started.push(handle);
      return handle;
    },
    advance: (ms) => env.sleep(ms),
    async advanceTo(epochMs) {
      await env.sleep(Math.max(1, epochMs - (await env.currentTimeMs())));
    },
    async expectNextCallAt(epochMs, toleranceMs = 10 * SECOND) {
      const before = calls.length;
      await run.advanceTo(epochMs - toleranceMs);
      expect(calls.slice(before)).toEqual([]);
      await run.advanceTo(epochMs + toleranceMs);
      expect(calls.slice(before)).toHaveLength(1);
    },
    now: () => env.currentTimeMs(),
    describe: (handle) => handle.query(describeQuery),
    token: (handle) => handle.query(tokenQuery),
    async describedWhen(handle, where, what) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const d = await handle.query(describeQuery);
        if (where(d)) return d;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(d)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };

  const running = worker.runUntil(async () => {
    try {
      return await body(run);
    } finally {
      // The test server leaks its time-skipping lock when a workflow is terminated with an activity
      // or workflow task in flight (sdk-java#1138, #3088), e.g. a notification's delivery at the very
      // end of a test: let those finish first, or the next test's clock would stand still.
      await Promise.all(started.map(activitiesSettled));
      await Promise.all(started.map((handle) => handle.terminate('test over').catch(() => undefined)));
    }
  });
  const stop = async () => {
    worker.shutdown();
    await running.catch(() => undefined);
  };
  runningWorkers.add(stop);
  try {
    return await running;
  } finally {
    runningWorkers.delete(stop);
  }
}

/** Waits (up to 5 s) until `handle` has no activity and no workflow task in flight. */
async function activitiesSettled(handle: WorkflowHandle): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    const described = await handle.describe().catch(() => undefined);
    if (!described || described.status.name !== 'RUNNING') return;
    if (!described.raw.pendingActivities?.length && !described.raw.pendingWorkflowTask) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let scriptedBundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/**
 * The project's workflows with one test-only interceptor: status notifications become a
 * `deliverWebhook` activity call instead of an abandoned child workflow, which the time-skipping
 * server cannot skip time past (test/workflows/notifications-as-activities.ts).
 */
function scriptedWorkflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  scriptedBundle ??= bundleTestWorkflows({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: [require.resolve('../workflows/notifications-as-activities')],
  });
  return scriptedBundle;
}

/** Workers of runs still going, e.g. after a test timed out: `teardownScriptedEnvironment` stops them. */
const runningWorkers = new Set<() => Promise<void>>();

/**
 * Stops what a timed-out test left running, then the server: the environment refuses to close its
 * connection while a worker holds it, and would leave the test server process behind.
 */
export async function teardownScriptedEnvironment(env: TestWorkflowEnvironment | undefined): Promise<void> {
  await Promise.all([...runningWorkers].map((stop) => stop()));
  await env?.teardown();
}

/** What a scripted token endpoint answers: `accessToken`, living `expiresInS` seconds, answered at once. */
export function minted(accessToken: string, expiresInS = 7200) {
  return { accessToken, expiresInMs: expiresInS * 1000, latencyMs: 0 };
}

/** Resolves when `release()` is called: holds a scripted activity in flight. */
export function gate(): { wait: Promise<void>; release(): void } {
  let release!: () => void;
  const wait = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { wait, release };
}
