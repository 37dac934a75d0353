import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { probeBumpSignal, probeCountQuery, stackProbeWorkflow } from '../workflows';
import {
  createDevEnvironment,
  createTimeSkippingEnvironment,
  testDataConverter,
  workflowBundle,
  type DevEnvironment,
} from '../harness/temporal';

const SIX_HOURS = 6 * 60 * 60 * 1000;

async function runProbe(env: TestWorkflowEnvironment, sleepMs: number) {
  const taskQueue = `probe-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    dataConverter: testDataConverter,
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(stackProbeWorkflow, {
      taskQueue,
      workflowId: `probe/${randomUUID()}`,
      args: [sleepMs],
    });
    await handle.signal(probeBumpSignal, 2);
    await handle.signal(probeBumpSignal, 3);
    const seen = await handle.query(probeCountQuery);
    const started = Date.now();
    const result = await handle.result();
    return { seen, result, wallMs: Date.now() - started };
  });
}

describe('stack probe on the dev server', () => {
  let dev: DevEnvironment;
  beforeAll(async () => {
    dev = await createDevEnvironment();
  });
  afterAll(async () => {
    await dev?.teardown();
  });

  it('answers queries and signals and fires a real timer', async () => {
    const { seen, result } = await runProbe(dev.env, 1_500);
    expect(seen).toBe(5);
    expect(result).toBe(5);
  });

  it('has the project search attributes registered', async () => {
    const { customAttributes } = await dev.env.connection.operatorService.listSearchAttributes({
      namespace: dev.env.namespace,
    });
    expect(Object.keys(customAttributes ?? {})).toEqual(
      expect.arrayContaining(['TokenPlatform', 'TokenKind', 'TokenAppId', 'TokenStatus', 'TokenExpiresAt']),
    );
  });
});

describe('stack probe on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnvironment();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('skips a six-hour timer in well under a second of waiting', async () => {
    const { seen, result, wallMs } = await runProbe(env, SIX_HOURS);
    expect(seen).toBe(5);
    expect(result).toBe(5);
    expect(wallMs).toBeLessThan(5_000);
  });
});
