/**
 * The workflow tier's premise on the time-skipping server: a six-hour timer completes in seconds of
 * wall-clock time, with queries and signals working as on the dev server. If this fails, every
 * other workflow test fails for the same reason.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnvironment } from '../harness/temporal';
import { runStackProbe } from '../harness/stack-probe';

const SIX_HOURS = 6 * 60 * 60 * 1000;

describe('stack probe on the time-skipping server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await createTimeSkippingEnvironment();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('skips a six-hour timer in well under a second of waiting', async () => {
    const { seen, result, wallMs } = await runStackProbe(env, SIX_HOURS);
    expect(seen).toBe(5);
    expect(result).toBe(5);
    expect(wallMs).toBeLessThan(5_000);
  });
});
