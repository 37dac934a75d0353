/**
 * authCodeWorkflow: one per authorization code, ID `authcode/{platform}/{componentAppid}/{sha256(code)}`.
 * The redirect callback and the authorized event both submit the code here; the workflow ID makes
 * the single-use code be exchanged exactly once, then the grant is handed to the authorizer's
 * workflow. Where the exchange does not name the account (Baidu), its app id comes from the event
 * or, for a redirect, from the app-info API called with the new token.
 */
import { ApplicationFailure, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { failureFacts } from './credential-entity';
import { tpDescriptor, type TpPlatform } from './tp-platforms';

export interface AuthCodeInput {
  /** Default 'wechat' (inputs of issue 5 had none). */
  platform?: TpPlatform;
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
  /** How the authorizer's app id was learnt. */
  appidFrom: 'exchange' | 'event' | 'app_info';
  /** The exchange was ambiguous; the authorizer's workflow recovers with a retrieved code. */
  recovering?: boolean;
}

/**
 * The exchange is not retried once the request may have been sent (the code is single-use);
 * failures before sending (component token not yet available) are retried by the activity's policy.
 */
const exchangeOptions: ActivityOptions = {
  startToCloseTimeout: '20s',
  retry: {
    maximumAttempts: 30,
    initialInterval: '1s',
    maximumInterval: '10s',
    nonRetryableErrorTypes: ['PlatformError'],
  },
};
const { exchangeAuthCode } = proxyActivities<Activities>(exchangeOptions);
const { handOverGrant, resolveAuthorizerAppid } = proxyActivities<Activities>({
  startToCloseTimeout: '20s',
  retry: { maximumAttempts: 20, initialInterval: '1s', maximumInterval: '10s' },
});

export async function authCodeWorkflow(input: AuthCodeInput): Promise<AuthCodeResult> {
  const platform = input.platform ?? 'wechat';
  const { componentAppid } = input;
  let exchanged: Awaited<ReturnType<typeof exchangeAuthCode>>;
  try {
    exchanged = await exchangeAuthCode.executeWithOptions(
      {
        ...exchangeOptions,
        summary: `exchange ${platform} authorization code (${input.source})`,
      },
      [{ platform, componentAppid, code: input.code }],
    );
  } catch (err) {
    // The code may have been consumed without an answer: where the platform can retrieve a fresh
    // code and the account is known (event), the authorizer's workflow recovers instead.
    const facts = failureFacts(err, Date.now());
    const ambiguous = facts.ambiguous || facts.activityTimeout;
    if (!ambiguous || tpDescriptor(platform).recovery !== 'retrieve_code' || !input.authorizerAppid) throw err;
    await handOverGrant.executeWithOptions(
      {
        startToCloseTimeout: '20s',
        retry: { maximumAttempts: 20, initialInterval: '1s', maximumInterval: '10s' },
        summary: `hand over to authorizer ${input.authorizerAppid} for recovery`,
      },
      [
        {
          platform,
          componentAppid,
          authorizerAppid: input.authorizerAppid,
          grant: {
            funcInfo: [],
            latencyMs: 0,
            source: input.source,
            recover: `ambiguous exchange (${facts.activityTimeout ? 'activity timed out' : facts.code})`,
          },
        },
      ],
    );
    return { authorizerAppid: input.authorizerAppid, funcInfo: [], appidFrom: 'event', recovering: true };
  }
  // The platform's answer names the account; an event's app id is only a hint, except where the answer has none.
  let authorizerAppid = exchanged.authorizerAppid;
  let appidFrom: AuthCodeResult['appidFrom'] = 'exchange';
  if (!authorizerAppid && input.authorizerAppid) {
    authorizerAppid = input.authorizerAppid;
    appidFrom = 'event';
  }
  if (!authorizerAppid) {
    if (!exchanged.grant.accessToken)
      throw ApplicationFailure.nonRetryable('exchange returned neither an app id nor a token');
    authorizerAppid = await resolveAuthorizerAppid.executeWithOptions(
      {
        startToCloseTimeout: '20s',
        retry: { maximumAttempts: 20, initialInterval: '1s', maximumInterval: '10s' },
        summary: `${platform} app id of the new authorization (app info)`,
      },
      [{ platform, accessToken: exchanged.grant.accessToken }],
    );
    appidFrom = 'app_info';
  }
  await handOverGrant.executeWithOptions(
    {
      startToCloseTimeout: '20s',
      retry: { maximumAttempts: 20, initialInterval: '1s', maximumInterval: '10s' },
      summary: `hand over to authorizer ${authorizerAppid}`,
    },
    [{ platform, componentAppid, authorizerAppid, grant: { ...exchanged.grant, source: input.source } }],
  );
  return { authorizerAppid, funcInfo: exchanged.grant.funcInfo, appidFrom };
}
