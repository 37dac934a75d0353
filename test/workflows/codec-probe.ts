/**
 * Fails with the message it is given: lets the codec test check that failure messages are
 * encrypted in history, not only payloads.
 */
import { ApplicationFailure } from '@temporalio/workflow';

export async function codecProbeWorkflow(message: string): Promise<never> {
  throw ApplicationFailure.nonRetryable(message, 'CodecProbe');
}
