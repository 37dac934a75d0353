/**
 * Worker-side event counters, from an activity interceptor (so activities stay free of metrics):
 * every token refresh by platform, kind, outcome and the platform's error code, and every webhook
 * delivery attempt by outcome.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';
import { Counter } from 'prom-client';
import type { PlatformFailureDetails } from '../platforms/errors';
import { registry } from './registry';

export const refreshesTotal = new Counter({
  name: 'token_central_refreshes_total',
  help: 'Token refresh calls (activity attempts) by platform, credential kind, outcome and platform error code',
  labelNames: ['platform', 'kind', 'outcome', 'category', 'error_code'] as const,
  registers: [registry],
});

export const webhookDeliveriesTotal = new Counter({
  name: 'token_central_webhook_deliveries_total',
  help: 'Status-change webhook delivery attempts by outcome (delivered, failed)',
  labelNames: ['outcome'] as const,
  registers: [registry],
});

/** The activities that obtain a credential's token, and the kind each serves. */
const TOKEN_ACTIVITIES: Readonly<Record<string, 'app' | 'component' | 'authorizer'>> = {
  fetchWechatAppToken: 'app',
  fetchComponentToken: 'component',
  refreshAuthorizerToken: 'authorizer',
};

export type RefreshLabels = Record<'platform' | 'kind' | 'outcome' | 'category' | 'error_code', string>;

/** The refresh counter's labels for one activity attempt, or undefined for an activity that is no refresh (pure). */
export function refreshLabels(
  activityType: string,
  args: readonly unknown[],
  error?: unknown,
): RefreshLabels | undefined {
  const kind = TOKEN_ACTIVITIES[activityType];
  if (!kind) return undefined;
  const platform = (args[0] as { platform?: unknown } | undefined)?.platform;
  const labels = { platform: typeof platform === 'string' ? platform : 'wechat', kind };
  if (error === undefined) return { ...labels, outcome: 'success', category: '', error_code: '' };
  return { ...labels, outcome: 'failure', ...failureLabels(error) };
}

function failureLabels(error: unknown): { category: string; error_code: string } {
  if (error instanceof ApplicationFailure) {
    if (error.type === 'PlatformError') {
      const details = error.details?.[0] as PlatformFailureDetails | undefined;
      if (details) return { category: details.category, error_code: String(details.code) };
    }
    if (error.type === 'SecretUnavailable') return { category: 'credential_invalid', error_code: 'secret_unavailable' };
    return { category: 'retry_later', error_code: error.type ?? 'error' };
  }
  return { category: 'retry_later', error_code: error instanceof Error ? error.name : 'error' };
}

/** Worker option `interceptors.activity` entry (worker/worker.ts). */
export function activityMetricsInterceptor(ctx: Context): ActivityInterceptors {
  const record = (args: readonly unknown[], error?: unknown) => {
    const type = ctx.info.activityType;
    if (type === 'deliverWebhook') {
      webhookDeliveriesTotal.inc({ outcome: error === undefined ? 'delivered' : 'failed' });
      return;
    }
    const labels = refreshLabels(type, args, error);
    if (labels) refreshesTotal.inc(labels);
  };
  return {
    inbound: {
      async execute(input, next) {
        try {
          const result = await next(input);
          record(input.args);
          return result;
        } catch (err) {
          record(input.args, err);
          throw err;
        }
      },
    },
  };
}
