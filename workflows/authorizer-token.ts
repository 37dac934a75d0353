/**
 * authorizerTokenWorkflow: one per account that authorized a third-party platform, ID
 * `authorizer/{platform}/{componentAppid}/{authorizerAppid}`. Receives the exchanged authorization,
 * refreshes ahead of expiry keeping whatever refresh token comes back, and completes as `revoked`
 * when the account withdraws. How a refresh token is recovered is platform data (tp-platforms.ts):
 *
 * - WeChat: a rejected refresh token is looked up again in api_get_authorizer_list.
 * - Douyin, Baidu (single-use refresh tokens, architecture invariant 3): a refresh token is sent at
 *   most once. Success records the new access AND refresh token (the activity result in history is
 *   the durable write). A rejection, or an ambiguous outcome (no answer, 5xx, garbled, the activity
 *   attempt timed out because the worker died) means it may be consumed: recovery = retrieve a
 *   fresh authorization code, then exchange it — two visible activities. A failure that certainly
 *   sent nothing, or a "busy" answer, retries the same refresh token with backoff.
 *   `reauth_required` only when retrieval says the authorization is gone, or recovery failed
 *   MAX_DEFINITIVE_RECOVERY_FAILURES times on platform answers.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { CredentialEntity, failureFacts, failureSummary, type Attempt } from './credential-entity';
import { initialState, type CredentialState } from './credential-state';
import { authorizerWorkflowId } from './credential-ids';
import { authorizeSignal, revokeSignal, type AuthorizerGrant } from './messages';
import {
  classifyRefreshFailure,
  MAX_DEFINITIVE_RECOVERY_FAILURES,
  SINGLE_USE_ACTIVITY_TIMEOUT_MS,
  tpDescriptor,
  type TpPlatform,
} from './tp-platforms';

export interface AuthorizerTokenInput {
  platform: TpPlatform;
  componentAppid: string;
  authorizerAppid: string;
  /** Carried over continue-as-new. */
  state?: CredentialState;
  refreshToken?: string;
  funcInfo?: number[];
  recoveries?: number;
  /** Single-use platforms: why the refresh token must not be sent (again); recovery is pending. */
  recoveryReason?: string;
  recoveryFailures?: number;
  lastRecovery?: { at: number; reason: string; outcome: string };
}

const activityOptions = { startToCloseTimeout: '20s', retry: { maximumAttempts: 1 } } as const;
/** Single-use calls: one attempt (the workflow decides), start-to-close above the adapter's HTTP timeout. */
export const SINGLE_USE_ACTIVITY_OPTIONS = {
  startToCloseTimeout: SINGLE_USE_ACTIVITY_TIMEOUT_MS,
  retry: { maximumAttempts: 1 },
} as const;
const { refreshAuthorizerToken, recoverWechatRefreshToken, retrieveAuthorizationCode, exchangeAuthCode } =
  proxyActivities<Activities>(activityOptions);

function platformFailure(
  platform: TpPlatform,
  category: string,
  code: string,
  message: string,
  nonRetryable = false,
): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'PlatformError',
    message,
    nonRetryable,
    details: [{ platform, category, code, message }],
  });
}

export async function authorizerTokenWorkflow(input: AuthorizerTokenInput): Promise<void> {
  const { platform, componentAppid, authorizerAppid } = input;
  const descriptor = tpDescriptor(platform);
  let refreshToken = input.refreshToken;
  let funcInfo = input.funcInfo ?? [];
  let recoveries = input.recoveries ?? 0;
  let recoveryReason = input.recoveryReason;
  let recoveryFailures = input.recoveryFailures ?? 0;
  let lastRecovery = input.lastRecovery;
  let grants: AuthorizerGrant[] = [];
  let revoked = false;
  /** A grant asked for recovery (its exchange was ambiguous): run it without waiting for a schedule. */
  let recoverNow = false;

  const entity = new CredentialEntity(input.state ?? initialState(), {
    id: authorizerWorkflowId(platform, componentAppid, authorizerAppid),
    policy: () => descriptor.authorizerPolicy,
    settings: () => ({
      component: componentAppid,
      permissions: funcInfo.join(', ') || '—',
      'refresh token': descriptor.singleUseRefreshToken ? 'single use' : 'reusable',
      'refresh-token recoveries': recoveries,
      ...(descriptor.recovery === 'retrieve_code'
        ? {
            'recovery pending': recoveryReason ?? '—',
            'recovery failures': recoveryFailures,
            'last recovery': lastRecovery
              ? `${lastRecovery.reason} → ${lastRecovery.outcome} (${new Date(lastRecovery.at).toISOString()})`
              : '—',
          }
        : {}),
    }),
    details: () => ({ permissions: [...funcInfo] }),
  });
  entity.registerHandlers();
  setHandler(authorizeSignal, (grant) => {
    grants.push(grant);
  });
  setHandler(revokeSignal, () => {
    revoked = true;
  });

  const refreshWith = (token: string) =>
    refreshAuthorizerToken.executeWithOptions(
      {
        ...(descriptor.singleUseRefreshToken ? SINGLE_USE_ACTIVITY_OPTIONS : activityOptions),
        summary: `refresh ${platform} authorizer token of ${authorizerAppid}${descriptor.singleUseRefreshToken ? ' (single-use refresh token)' : ''}`,
      },
      [{ platform, componentAppid, authorizerAppid, refreshToken: token }],
    );

  /** WeChat: 61023 means the platform holds another refresh token for this account; fetch it from the list. */
  const obtainWechat = async (): Promise<Attempt> => {
    if (!refreshToken)
      throw platformFailure(platform, 'refresh_token_invalid', 'no_refresh_token', 'no refresh token held');
    try {
      const result = await refreshWith(refreshToken);
      refreshToken = result.refreshToken;
      return { obtained: result.token };
    } catch (err) {
      if (failureSummary(err, Date.now()).category !== 'refresh_token_invalid') throw err;
      const recovered = await recoverWechatRefreshToken.executeWithOptions(
        { ...activityOptions, summary: `recover refresh token of ${authorizerAppid}` },
        [{ componentAppid, authorizerAppid }],
      );
      if (!recovered.refreshToken || recovered.refreshToken === refreshToken) throw err;
      refreshToken = recovered.refreshToken;
      recoveries++;
      const result = await refreshWith(refreshToken);
      refreshToken = result.refreshToken;
      return { obtained: result.token };
    }
  };

  const finishRecovery = (outcome: string) => {
    lastRecovery = { at: Date.now(), reason: recoveryReason ?? '—', outcome };
  };

  /** A recovery step failed: transient failures back off and try again; platform answers count towards reauth. */
  const recoveryFailed = (err: unknown, step: string): never => {
    const facts = failureFacts(err, Date.now());
    if (descriptor.noAuthorizationCodes.includes(facts.code)) {
      finishRecovery(`${step}: authorization gone (${facts.code})`);
      recoveryReason = undefined;
      throw platformFailure(platform, 'refresh_token_invalid', facts.code, `${step}: ${facts.message}`);
    }
    const transient =
      facts.activityTimeout ||
      facts.category === 'retry_later' ||
      facts.category === 'quota_exhausted' ||
      facts.category === 'token_invalid';
    if (!transient) recoveryFailures++;
    finishRecovery(`${step} failed (${facts.code})`);
    if (recoveryFailures >= MAX_DEFINITIVE_RECOVERY_FAILURES) {
      throw platformFailure(
        platform,
        'refresh_token_invalid',
        'recovery_failed',
        `recovery failed ${recoveryFailures} times, last ${step}: ${facts.code}`,
      );
    }
    throw platformFailure(
      platform,
      facts.category === 'credential_invalid' ? 'retry_later' : facts.category,
      facts.code,
      `recovery ${step}: ${facts.message}`,
    );
  };

  /** Retrieve a fresh authorization code, then exchange it: every attempt uses a new code (codes are single use too). */
  const recover = async (): Promise<Attempt> => {
    recoveries++;
    const attempt = `recovery #${recoveries}: ${recoveryReason ?? 'no refresh token'}`;
    entity.showDetails();
    let code: string;
    try {
      ({ code } = await retrieveAuthorizationCode.executeWithOptions(
        { ...SINGLE_USE_ACTIVITY_OPTIONS, summary: `retrieve authorization code of ${authorizerAppid} (${attempt})` },
        [{ platform, componentAppid, authorizerAppid }],
      ));
    } catch (err) {
      return recoveryFailed(err, 'retrieve');
    }
    try {
      const exchanged = await exchangeAuthCode.executeWithOptions(
        { ...SINGLE_USE_ACTIVITY_OPTIONS, summary: `exchange retrieved code of ${authorizerAppid} (${attempt})` },
        [{ platform, componentAppid, code, singleUse: true }],
      );
      const { grant } = exchanged;
      if (!grant.accessToken || !grant.expiresInMs || !grant.refreshToken) {
        throw platformFailure(platform, 'retry_later', 'incomplete_grant', 'exchange answer without tokens');
      }
      refreshToken = grant.refreshToken;
      if (grant.funcInfo.length > 0) funcInfo = grant.funcInfo;
      finishRecovery('recovered');
      recoveryReason = undefined;
      recoveryFailures = 0;
      return {
        obtained: { accessToken: grant.accessToken, expiresInMs: grant.expiresInMs, latencyMs: grant.latencyMs },
      };
    } catch (err) {
      return recoveryFailed(err, 'exchange');
    }
  };

  const obtainSingleUse = async (): Promise<Attempt> => {
    if (refreshToken && !recoveryReason) {
      try {
        const result = await refreshWith(refreshToken);
        refreshToken = result.refreshToken;
        return { obtained: result.token };
      } catch (err) {
        const facts = failureFacts(err, Date.now());
        const outcome = classifyRefreshFailure(facts);
        // Certainly not consumed (not sent, busy): the same refresh token, after the entity's backoff.
        if (outcome === 'retry') throw err;
        // Rejected, or possibly consumed: never send this refresh token again.
        refreshToken = undefined;
        recoveryReason =
          outcome === 'rejected'
            ? `refresh token rejected (${facts.code})`
            : `ambiguous refresh (${facts.activityTimeout ? 'activity timed out' : facts.code})`;
        recoveryFailures = 0;
      }
    }
    recoveryReason ??= 'no refresh token held';
    return recover();
  };

  const obtain = descriptor.recovery === 'retrieve_code' ? obtainSingleUse : obtainWechat;

  const applyGrants = () => {
    const pending = grants;
    grants = [];
    for (const grant of pending) {
      if (grant.recover && descriptor.recovery === 'retrieve_code') {
        refreshToken = undefined;
        recoveryReason = grant.recover;
        recoveryFailures = 0;
        recoverNow = true;
        continue;
      }
      funcInfo = grant.funcInfo;
      if (grant.refreshToken) {
        recoverNow = false;
        refreshToken = grant.refreshToken;
        recoveryReason = undefined;
        recoveryFailures = 0;
      }
      if (grant.accessToken && grant.expiresInMs) {
        entity.accept({ accessToken: grant.accessToken, expiresInMs: grant.expiresInMs, latencyMs: grant.latencyMs });
      } else {
        entity.publish();
      }
    }
  };

  for (;;) {
    if (revoked) break;
    if (grants.length > 0) {
      applyGrants();
      continue;
    }
    if (recoverNow) {
      recoverNow = false;
      await entity.refresh(obtain);
      continue;
    }
    const due = await entity.sleepUntilDue(() => revoked || grants.length > 0);
    if (revoked || grants.length > 0) continue;
    if (!due && !entity.hasPendingReport) continue;
    if (!entity.hasPendingReport && (await entity.shouldContinueAsNew())) {
      await continueAsNew<typeof authorizerTokenWorkflow>({
        ...input,
        state: entity.state,
        refreshToken,
        funcInfo,
        recoveries,
        recoveryReason,
        recoveryFailures,
        lastRecovery,
      });
    }
    await entity.refresh(obtain);
  }

  // Revoked: tokens are dead on the platform; forget them, answer `revoked`, and complete.
  refreshToken = undefined;
  entity.state = { ...entity.state, token: undefined, nextRefreshAt: undefined, reportedVersion: undefined };
  entity.setStatus('revoked');
  await condition(allHandlersFinished);
}
