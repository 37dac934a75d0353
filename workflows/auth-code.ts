/**
 * authCodeWorkflow: one per authorization code, ID `authcode/{platform}/{componentAppid}/{sha256(code)}`.
 * The redirect callback and the authorized event both submit the code here; the workflow ID makes
 * the single-use code be exchanged exactly once, then the grant is handed to the authorizer's
 * workflow. Where the exchange does not name the account (Baidu), its app id comes from the event
 * or, for a redirect, from the app-info API called with the new token.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { CODE_EXCHANGE, IDEMPOTENT_CALL } from './activity-policies';
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

const { exchangeAuthCode } = proxyActivities<Activities>(CODE_EXCHANGE);
const { handOverGrant, resolveAuthorizerAppid } = proxyActivities<Activities>(IDEMPOTENT_CALL);

export async function authCodeWorkflow(input: AuthCodeInput): Promise<AuthCodeResult> {
  const platform = input.platform ?? 'wechat';
  const { componentAppid } = input;
  let exchanged: Awaited<ReturnType<typeof exchangeAuthCode>>;
  try {
    exchanged = await exchangeAuthCode.executeWithOptions(
      { ...CODE_EXCHANGE, summary: `exchange ${platform} authorization code (${input.source})` },
      [{ platform, componentAppid, code: input.code }],
    );
  } catch (err) {
    // The code may have been consumed without an answer: where the platform can retrieve a fresh
    // code and the account is known (event), the authorizer's workflow recovers instead.
    const facts = failureFacts(err, Date.now());
    const ambiguous = facts.ambiguous || facts.activityTimeout;
    if (!ambiguous || tpDescriptor(platform).recovery !== 'retrieve_code' || !input.authorizerAppid) throw err;
    await handOverGrant.executeWithOptions(
      { ...IDEMPOTENT_CALL, summary: `hand over to authorizer ${input.authorizerAppid} for recovery` },
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
      { ...IDEMPOTENT_CALL, summary: `${platform} app id of the new authorization (app info)` },
      [{ platform, accessToken: exchanged.grant.accessToken }],
    );
    appidFrom = 'app_info';
  }
  await handOverGrant.executeWithOptions(
    { ...IDEMPOTENT_CALL, summary: `hand over to authorizer ${authorizerAppid}` },
    [{ platform, componentAppid, authorizerAppid, grant: { ...exchanged.grant, source: input.source } }],
  );
  return { authorizerAppid, funcInfo: exchanged.grant.funcInfo, appidFrom };
}
