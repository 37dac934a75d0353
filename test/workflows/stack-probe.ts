/**
 * A minimal entity workflow proving the stack (worker bundling, queries, signals, long timers)
 * on both the dev server and the time-skipping server. The credential workflows replace it.
 */
import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';

export const probeCountQuery = defineQuery<number>('count');
export const probeBumpSignal = defineSignal<[number]>('bump');

/** Sleeps `sleepMs` (woken early by nothing) while counting bumps, then returns the count. */
export async function stackProbeWorkflow(sleepMs: number): Promise<number> {
  let count = 0;
  setHandler(probeCountQuery, () => count);
  setHandler(probeBumpSignal, (by) => {
    count += by;
  });
  await condition(() => false, sleepMs);
  return count;
}
