/**
 * All I/O the workflows need. Created with their dependencies at worker start; workflows import
 * only the `Activities` type.
 */
import type { Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { PlatformError } from '../platforms/errors';
import type { HttpOptions } from '../platforms/http';
import { fetchAppAccessToken, type AppTokenMode } from '../platforms/wechat/app-token';
import type { SecretRef } from '../config/config';
import type { ObtainedToken } from '../workflows/credential-state';
import { resolveSecret, SecretUnavailable } from '../config/secrets';
import { createTpActivities } from './tp';
import { createWebhookActivities } from './webhooks';
import type { WebhookConfig } from '../config/config';

export type PlatformEndpoints = Record<'wechat' | 'douyin' | 'baidu', { baseUrl: string }>;

export interface ActivityDeps {
  platforms: PlatformEndpoints;
  http: HttpOptions;
  env?: NodeJS.ProcessEnv;
  /** Third-party platform activities read component tokens and hand over grants through this client. */
  client: Client;
  taskQueue: string;
  /** Status-change webhooks (activities/webhooks.ts); none by default. */
  webhooks?: readonly WebhookConfig[];
}

/** PlatformError → ApplicationFailure whose details the workflow classifies (errors are not retried here). */
async function classified<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof PlatformError) {
      throw ApplicationFailure.create({ type: 'PlatformError', message: err.message, details: [err.details] });
    }
    if (err instanceof SecretUnavailable) {
      throw ApplicationFailure.create({ type: 'SecretUnavailable', message: err.message, nonRetryable: true });
    }
    throw err;
  }
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createTpActivities(
      {
        baseUrls: {
          wechat: deps.platforms.wechat.baseUrl,
          douyin: deps.platforms.douyin.baseUrl,
          baidu: deps.platforms.baidu.baseUrl,
        },
        http: deps.http,
        env: deps.env,
        client: deps.client,
        taskQueue: deps.taskQueue,
      },
      classified,
    ),
    ...createWebhookActivities({ webhooks: deps.webhooks ?? [], env: deps.env }),
    async fetchWechatAppToken(request: {
      appid: string;
      mode: AppTokenMode;
      secretRef: SecretRef;
      forceRefresh: boolean;
    }): Promise<ObtainedToken> {
      return classified(async () => {
        const secret = await resolveSecret(request.secretRef, deps.env);
        const started = Date.now();
        const token = await fetchAppAccessToken(
          {
            baseUrl: deps.platforms.wechat.baseUrl,
            appid: request.appid,
            secret,
            mode: request.mode,
            forceRefresh: request.forceRefresh,
          },
          deps.http,
        );
        return {
          accessToken: token.accessToken,
          expiresInMs: token.expiresInSeconds * 1000,
          latencyMs: Date.now() - started,
        };
      });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
