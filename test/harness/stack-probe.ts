/**
 * Runs the probe workflow (test/workflows/stack-probe.ts) on a test environment: bumped twice by
 * signal, queried, then left to its timer. Proves the stack — bundling, messages, timers — on
 * whichever server the environment talks to.
 */
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { probeBumpSignal, probeCountQuery, stackProbeWorkflow } from '../workflows';
import { testDataConverter, workflowBundle } from './temporal';

/** The count the query saw, the workflow's result, and the wall-clock time its timer took. */
export async function runStackProbe(
  env: TestWorkflowEnvironment,
  sleepMs: number,
): Promise<{ seen: number; result: number; wallMs: number }> {
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
