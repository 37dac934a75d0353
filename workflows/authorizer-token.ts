/**
 * authorizerTokenWorkflow: one per account that authorized a third-party platform, ID
 * `authorizer/{platform}/{componentAppid}/{authorizerAppid}`. Receives the exchanged authorization,
 * refreshes ahead of expiry keeping whatever refresh token comes back, and completes as `revoked`
 * when the account withdraws. What a refresh outcome means, and how a refresh token is recovered
 * (WeChat: the authorizer list; Douyin, Baidu: retrieve a fresh code and exchange it), is decided by
 * the pure transitions of refresh-token-recovery.ts; this shell makes the calls and applies them.
 */
import { ApplicationFailure, allHandlersFinished, condition, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { PLATFORM_CALL, SINGLE_USE_CALL } from './activity-policies';
import { CredentialEntity, failureFacts, rethrowBug, type Attempt } from './credential-entity';
import { authorizerWorkflowId } from './credential-ids';
import {
  authorizeSignal,
  authorizerGrantSchema,
  revokeSignal,
  revocationSchema,
  type AuthorizerGrant,
} from './messages';
import {
  authorizationRevoked,
  grantReceived,
  planRefresh,
  recovered,
  recoveryStarted,
  recoveryStepFailed,
  recoverNowTaken,
  refreshFailed,
  refreshSucceeded,
  refreshTokenSettings,
  restoreAuthorizerState,
  wechatRefreshTokenRecovered,
  type CarriedAuthorizerInput,
  type PlatformFailure,
  type RecoveryStep,
} from './refresh-token-recovery';
import { latest, revocationApplies } from './push-order';
import { exchangeRetrievedCode } from './recovery-exchange';
import { tpDescriptor, type TpPlatform } from './tp-platforms';
import { setValidatedSignalHandler } from './validated-handlers';

/** How long a recovery waits for the grant of its code exchanged by the code's push instead. */
const GRANT_FROM_PUSH_WAIT = '1 minute';

/** New runs name the credential only; the state is carried over continue-as-new (`state`). */
export interface AuthorizerTokenInput extends CarriedAuthorizerInput {
  platform: TpPlatform;
  componentAppid: string;
  authorizerAppid: string;
  /** The newest grant's platform time (epoch ms), carried over continue-as-new. */
  grantedAt?: number;
}

const { refreshAuthorizerToken, recoverWechatRefreshToken, retrieveAuthorizationCode, exchangeAuthCode } =
  proxyActivities<Activities>(PLATFORM_CALL);

export async function authorizerTokenWorkflow(input: AuthorizerTokenInput): Promise<void> {
  const { platform, componentAppid, authorizerAppid } = input;
  const descriptor = tpDescriptor(platform);
  const restored = restoreAuthorizerState(input);
  let held = restored.refreshToken;
  let grants: AuthorizerGrant[] = [];
  let revoked = false;

  const entity = new CredentialEntity(restored.credential, {
    id: authorizerWorkflowId(platform, componentAppid, authorizerAppid),
    policy: () => descriptor.authorizerPolicy,
    settings: () => ({ component: componentAppid, ...refreshTokenSettings(held, descriptor) }),
    details: () => ({ permissions: [...held.funcInfo] }),
  });
  entity.registerHandlers();
  // Ordered by platform time (push-order.ts): an `unauthorized` older than the newest grant (a late
  // retry of an earlier withdrawal) does not revoke a re-authorization, whichever arrived first.
  let grantedAt = input.grantedAt;
  let revokedAt: number | undefined;
  setValidatedSignalHandler(authorizeSignal, authorizerGrantSchema, (grant) => {
    grants.push(grant);
    grantedAt = latest(grantedAt, grant.authorizedAt);
    revoked = revocationApplies(revokedAt, grantedAt);
  });
  setValidatedSignalHandler(revokeSignal, revocationSchema, ({ at }) => {
    revokedAt = latest(revokedAt, at);
    revoked = revocationApplies(revokedAt, grantedAt);
  });

  const platformFailure = (failure: PlatformFailure) =>
    ApplicationFailure.create({ type: 'PlatformError', message: failure.message, details: [{ platform, ...failure }] });

  /** Sends a refresh token and keeps the one that comes back. */
  const refreshWith = async (refreshToken: string): Promise<Attempt> => {
    const result = await refreshAuthorizerToken.executeWithOptions(
      {
        ...(descriptor.singleUseRefreshToken ? SINGLE_USE_CALL : PLATFORM_CALL),
        summary: `refresh ${platform} authorizer token of ${authorizerAppid}${descriptor.singleUseRefreshToken ? ' (single-use refresh token)' : ''}`,
      },
      [{ platform, componentAppid, authorizerAppid, refreshToken }],
    );
    held = refreshSucceeded(held, result.refreshToken);
    return { obtained: result.token };
  };

  /** WeChat: 61023 means the platform holds another refresh token for this account; `rejection` stands if not. */
  const recoverFromList = async (rejection: unknown): Promise<Attempt> => {
    const listed = await recoverWechatRefreshToken.executeWithOptions(
      { ...PLATFORM_CALL, summary: `recover refresh token of ${authorizerAppid}` },
      [{ componentAppid, authorizerAppid }],
    );
    const { state, retryWith } = wechatRefreshTokenRecovered(held, listed.refreshToken);
    held = state;
    if (!retryWith) throw rejection;
    return refreshWith(retryWith);
  };

  /** Runs one recovery step; its failure is recorded and turned into the failure to throw. */
  const recoveryStep = async <T>(step: RecoveryStep, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      rethrowBug(err);
      const { state, failure } = recoveryStepFailed(held, step, failureFacts(err, Date.now()), Date.now(), descriptor);
      held = state;
      throw platformFailure(failure);
    }
  };

  /** Single use: retrieve a fresh authorization code, then exchange it (codes are single use too). */
  const recoverWithCode = async (): Promise<Attempt> => {
    const started = recoveryStarted(held);
    held = started.state;
    entity.showDetails();
    const { code, codeWorkflowId } = await recoveryStep('retrieve', () =>
      retrieveAuthorizationCode.executeWithOptions(
        { ...SINGLE_USE_CALL, summary: `retrieve authorization code of ${authorizerAppid} (${started.label})` },
        [{ platform, componentAppid, authorizerAppid }],
      ),
    );
    // Through the code's auth-code workflow ID, shared with its push (recovery-exchange.ts); a
    // retrieval recorded before that ID was returned exchanges directly, as it did then.
    const { grant } = await recoveryStep('exchange', () =>
      codeWorkflowId
        ? exchangeRetrievedCode(
            { platform, componentAppid, authorizerAppid, code, codeWorkflowId, label: started.label },
            () => condition(() => grants.length > 0 || revoked, GRANT_FROM_PUSH_WAIT),
          )
        : exchangeAuthCode.executeWithOptions(
            { ...SINGLE_USE_CALL, summary: `exchange retrieved code of ${authorizerAppid} (${started.label})` },
            [{ platform, componentAppid, code, singleUse: true }],
          ),
    );
    const outcome = recovered(held, grant, Date.now(), descriptor);
    held = outcome.state;
    if ('failure' in outcome) throw platformFailure(outcome.failure);
    return { obtained: outcome.obtained };
  };

  const obtain = async (): Promise<Attempt> => {
    const plan = planRefresh(held, descriptor);
    if (plan.step === 'fail') throw platformFailure(plan.failure);
    if (plan.step === 'recover') return recoverWithCode();
    try {
      return await refreshWith(plan.refreshToken);
    } catch (err) {
      rethrowBug(err);
      const { state, next } = refreshFailed(held, failureFacts(err, Date.now()), descriptor);
      held = state;
      if (next === 'retry') throw err;
      return descriptor.recovery === 'authorizer_list' ? recoverFromList(err) : recoverWithCode();
    }
  };

  const applyGrants = () => {
    const pending = grants;
    grants = [];
    for (const grant of pending) {
      const received = grantReceived(held, grant, descriptor);
      held = received.state;
      if (received.effect === 'accept') entity.accept(received.obtained);
      else if (received.effect === 'publish') entity.publish();
    }
  };

  const idle = () => !revoked && grants.length === 0 && !held.recoverNow && !entity.hasPendingReport;
  for (;;) {
    if (revoked) break;
    // Considered on every pass, not only before a refresh, so history stays bounded whatever arrives.
    if (idle() && (await entity.shouldContinueAsNew()) && idle()) {
      await entity.continueAsNew<typeof authorizerTokenWorkflow>({
        platform,
        componentAppid,
        authorizerAppid,
        state: { credential: entity.state, refreshToken: held },
        grantedAt,
      });
    }
    if (grants.length > 0) {
      applyGrants();
      continue;
    }
    if (held.recoverNow) {
      held = recoverNowTaken(held);
      await entity.refresh(obtain);
      continue;
    }
    const due = await entity.sleepUntilDue(() => revoked || grants.length > 0);
    if (revoked || grants.length > 0) continue;
    if (!due && !entity.hasPendingReport) continue;
    await entity.refresh(obtain);
  }

  // Revoked: tokens are dead on the platform; forget them, answer `revoked`, and complete.
  held = authorizationRevoked(held);
  entity.state = { ...entity.state, token: undefined, nextRefreshAt: undefined, reportedVersion: undefined };
  entity.setStatus('revoked');
  // The `revoked` notification's child must have started before this run closes.
  await Promise.all([condition(allHandlersFinished), entity.notificationsStarted()]);
}
