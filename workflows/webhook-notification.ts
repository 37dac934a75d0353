/**
 * Status-change webhooks. A credential workflow that sees a notified change starts one small child
 * workflow per notification (ParentClosePolicy ABANDON) and goes on at once: delivery, with its
 * retries, runs there, so a receiver that is down delays no refresh and no continue-as-new. The
 * child posts to every configured webhook in parallel, each with its own bounded retries.
 */
import { ParentClosePolicy, proxyActivities, startChild, uuid4, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { StatusNotification } from './status-change';

/** Retried with backoff for at most an hour; a receiver down longer misses the notification. */
export const WEBHOOK_DELIVERY = {
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
} as const;

const { webhookTargetCount } = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 5 },
});
const { deliverWebhook } = proxyActivities<Activities>(WEBHOOK_DELIVERY);

/** Delivers one notification to every configured webhook; returns how many accepted it. */
export async function webhookNotificationWorkflow(notification: StatusNotification): Promise<number> {
  const targets = await webhookTargetCount();
  const outcomes = await Promise.allSettled(
    Array.from({ length: targets }, (_, target) => deliverWebhook({ target, notification })),
  );
  return outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
}

/**
 * Starts the delivery of `notification` (from a credential workflow). The returned promise settles
 * once the child has started (never rejects): await it before the run closes, or an abandoned child
 * whose start is still pending would not start.
 */
export function startNotification(notification: Omit<StatusNotification, 'id'>): Promise<void> {
  const workflowId = `notify/${workflowInfo().workflowId}/${uuid4()}`;
  return startChild(webhookNotificationWorkflow, {
    workflowId,
    args: [{ id: workflowId, ...notification }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `${notification.type}: ${notification.oldStatus ?? '—'} → ${notification.newStatus}`,
  }).then(
    () => undefined,
    () => undefined,
  );
}
