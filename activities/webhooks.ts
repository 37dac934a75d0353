/**
 * Status-change webhook delivery: one signed JSON POST per configured webhook and notification
 * (webhooks/signing.ts). A failed delivery throws and Temporal retries it with the bounded policy
 * of workflows/webhook-notification.ts. Errors name the webhook by its position in the
 * configuration, never by URL (a URL may carry a secret path).
 */
import { ApplicationFailure } from '@temporalio/common';
import { request } from 'undici';
import type { WebhookConfig } from '../config/config';
import { resolveSecret } from '../config/secrets';
import { webhookBody } from '../webhooks/payload';
import { signedHeaders } from '../webhooks/signing';
import type { StatusNotification } from '../workflows/status-change';

export interface WebhookActivityDeps {
  webhooks: readonly WebhookConfig[];
  env?: NodeJS.ProcessEnv;
  /** Per attempt; below the activity's 15 s start-to-close. */
  timeoutMs?: number;
}

/** A receiver's answer that retrying will not change. */
function permanent(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

export function createWebhookActivities(deps: WebhookActivityDeps) {
  return {
    async webhookTargetCount(): Promise<number> {
      return deps.webhooks.length;
    },
    /** Delivers `notification` to webhook number `target`; false when that webhook is no longer configured. */
    async deliverWebhook(input: { target: number; notification: StatusNotification }): Promise<boolean> {
      const webhook = deps.webhooks[input.target];
      if (!webhook) return false;
      const secret = await resolveSecret(webhook.secret, deps.env);
      const body = JSON.stringify(webhookBody(input.notification));
      // Signed per attempt: a retry carries a fresh timestamp and passes the receiver's replay window.
      const headers = signedHeaders(secret, Math.floor(Date.now() / 1000), body);
      let status: number;
      try {
        const response = await request(webhook.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'token-central', ...headers },
          body,
          signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
        });
        status = response.statusCode;
        await response.body.dump();
      } catch (err) {
        const code = (err as { code?: unknown }).code ?? (err as Error).name;
        throw ApplicationFailure.retryable(
          `webhook #${input.target} unreachable (${String(code)})`,
          'WebhookUnreachable',
        );
      }
      if (status < 300) return true;
      const message = `webhook #${input.target} answered HTTP ${status}`;
      if (permanent(status)) throw ApplicationFailure.nonRetryable(message, 'WebhookRejected');
      throw ApplicationFailure.retryable(message, 'WebhookRejected');
    },
  };
}
