/**
 * authorizerTokenWorkflow: one per account that authorized a WeChat third-party platform, ID
 * `authorizer/wechat/{componentAppid}/{authorizerAppid}`. Receives the exchanged authorization
 * (tokens + func_info), refreshes with api_authorizer_token ahead of expiry keeping whatever refresh
 * token comes back, recovers a rejected refresh token from api_get_authorizer_list before declaring
 * `reauth_required`, and completes as `revoked` when the account withdraws.
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
import { CredentialEntity, failureSummary, type Attempt } from './credential-entity';
import { initialState, type CredentialState } from './credential-state';
import { authorizerWorkflowId } from './credential-ids';
import { authorizeSignal, revokeSignal, type AuthorizerGrant } from './messages';
import { MINTING_POLICY } from './refresh-schedule';

export interface AuthorizerTokenInput {
  platform: 'wechat';
  componentAppid: string;
  authorizerAppid: string;
  /** Carried over continue-as-new. */
  state?: CredentialState;
  refreshToken?: string;
  funcInfo?: number[];
  recoveries?: number;
}

const activityOptions = { startToCloseTimeout: '20s', retry: { maximumAttempts: 1 } } as const;
const { refreshWechatAuthorizerToken, recoverWechatRefreshToken } = proxyActivities<Activities>(activityOptions);

/** Thrown inside `obtain` when no refresh token is held: classified as refresh_token_invalid. */
function reauthRequired(message: string): never {
  throw ApplicationFailure.create({
    type: 'PlatformError',
    message,
    details: [{ platform: 'wechat', category: 'refresh_token_invalid', code: 'no_refresh_token', message }],
  });
}

export async function authorizerTokenWorkflow(input: AuthorizerTokenInput): Promise<void> {
  const { componentAppid, authorizerAppid } = input;
  let refreshToken = input.refreshToken;
  let funcInfo = input.funcInfo ?? [];
  let recoveries = input.recoveries ?? 0;
  let grants: AuthorizerGrant[] = [];
  let revoked = false;

  const entity = new CredentialEntity(input.state ?? initialState(), {
    id: authorizerWorkflowId(input.platform, componentAppid, authorizerAppid),
    policy: () => MINTING_POLICY,
    settings: () => ({
      component: componentAppid,
      permissions: funcInfo.join(', ') || '—',
      'refresh-token recoveries': recoveries,
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
    refreshWechatAuthorizerToken.executeWithOptions(
      { ...activityOptions, summary: `authorizer token for ${authorizerAppid}` },
      [{ componentAppid, authorizerAppid, refreshToken: token }],
    );

  const obtain = async (): Promise<Attempt> => {
    if (!refreshToken) reauthRequired('no refresh token held');
    try {
      const result = await refreshWith(refreshToken);
      refreshToken = result.refreshToken;
      return { obtained: result.token };
    } catch (err) {
      if (failureSummary(err, Date.now()).category !== 'refresh_token_invalid') throw err;
      // 61023: the platform holds another refresh token for this account; fetch it from the list.
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

  const applyGrants = () => {
    const pending = grants;
    grants = [];
    for (const grant of pending) {
      funcInfo = grant.funcInfo;
      if (grant.refreshToken) refreshToken = grant.refreshToken;
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
