/**
 * Test-only workflow interceptor for the time-skipping server (test/harness/scripted-worker.ts):
 * a status notification becomes a local `deliverWebhook` call of the credential workflow itself
 * instead of an abandoned child workflow. The time-skipping test server stops skipping time after
 * abandoned children (sdk-typescript#1101, sdk-java#2392), which would hold every later test's
 * clock; the real server runs the child (test/integration/webhooks.test.ts).
 */
import { proxyLocalActivities, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { StatusNotification } from '../../workflows/status-change';

// A local activity: the test server's activity bookkeeping leaks its time-skipping lock here.
const { deliverWebhook } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 1 },
});

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      async startChildWorkflowExecution(input, next) {
        if (input.workflowType !== 'webhookNotificationWorkflow') return next(input);
        const notification = input.options.args[0] as StatusNotification;
        const delivered = deliverWebhook({ target: 0, notification }).catch(() => false);
        return [Promise.resolve(''), delivered];
      },
    },
  ],
});
