/**
 * authCodeWorkflow: one per authorization code, ID `authcode/wechat/{componentAppid}/{sha256(code)}`.
 * The redirect callback and the authorized/updateauthorized event both submit the code here; the
 * workflow ID makes the single-use code be exchanged (api_query_auth) exactly once, then the grant
 * is handed to the authorizer's workflow.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

export interface AuthCodeInput {
  componentAppid: string;
  code: string;
  /** 'redirect', 'authorized', 'updateauthorized'. */
  source: string;
  /** Known when the code came with an event. */
  authorizerAppid?: string;
}

export interface AuthCodeResult {
  authorizerAppid: string;
  funcInfo: number[];
}

/**
 * The exchange is not retried once the request may have been sent (the code is single-use);
 * failures before sending (component token not yet available) are retried by the activity's policy.
 */
const { exchangeWechatAuthCode } = proxyActivities<Activities>({
  startToCloseTimeout: '20s',
  retry: {
    maximumAttempts: 30,
    initialInterval: '1s',
    maximumInterval: '10s',
    nonRetryableErrorTypes: ['PlatformError'],
  },
});
const { handOverWechatGrant } = proxyActivities<Activities>({
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 20, initialInterval: '1s', maximumInterval: '10s' },
});

export async function authCodeWorkflow(input: AuthCodeInput): Promise<AuthCodeResult> {
  const exchanged = await exchangeWechatAuthCode({ componentAppid: input.componentAppid, code: input.code });
  // The platform's answer names the account; an event's AuthorizerAppid is only a hint.
  await handOverWechatGrant({
    componentAppid: input.componentAppid,
    authorizerAppid: exchanged.authorizerAppid,
    grant: { ...exchanged.grant, source: input.source },
  });
  return { authorizerAppid: exchanged.authorizerAppid, funcInfo: exchanged.grant.funcInfo };
}
