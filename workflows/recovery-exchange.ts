/**
 * The exchange step of a Douyin/Baidu refresh-token recovery, through the retrieved code's own
 * authCodeWorkflow ID (a child workflow). The platform may also push the retrieved code
 * (UPDATE_AUTHORIZED), which the gateway submits under the same ID, so the code is sent once
 * whichever path comes first (docs/architecture.md, exactly-once rules): if the push came first,
 * its run hands the grant to the authorizer and this step only waits for it.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  WorkflowIdReusePolicy,
  executeChild,
} from '@temporalio/workflow';
import type { PlatformFailureDetails } from '../platforms/errors';
import { authCodeWorkflow } from './auth-code';
import type { AuthorizerGrant } from './messages';
import type { TpPlatform } from './tp-platforms';

export interface RecoveryExchange {
  platform: TpPlatform;
  componentAppid: string;
  authorizerAppid: string;
  code: string;
  /** The code's authCodeWorkflow ID (a hash of the code, computed by the retrieve activity). */
  codeWorkflowId: string;
  /** Names the step in the Web UI. */
  label: string;
}

const platformFailure = (details: PlatformFailureDetails) =>
  ApplicationFailure.create({ type: 'PlatformError', message: details.message, details: [details] });

/**
 * The exchanged grant, or a failure shaped like an activity's (a `PlatformError` with `ambiguous`
 * where the code may be spent) for the authorizer's `recoveryStepFailed`. `grantArrived` waits for
 * the grant another run of this code hands over; it resolves false when it gave up waiting.
 */
export async function exchangeRetrievedCode(
  request: RecoveryExchange,
  grantArrived: () => Promise<boolean>,
): Promise<{ grant: Omit<AuthorizerGrant, 'source'> }> {
  const { platform, componentAppid, authorizerAppid, code, codeWorkflowId } = request;
  let result: Awaited<ReturnType<typeof authCodeWorkflow>>;
  try {
    result = await executeChild(authCodeWorkflow, {
      workflowId: codeWorkflowId,
      args: [{ platform, componentAppid, code, source: 'recovery', authorizerAppid, recovery: true }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      staticSummary: `${platform} retrieved authorization code of ${authorizerAppid} (${request.label})`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      // The pushed code got there first: its run exchanges it and hands the grant over.
      const arrived = await grantArrived();
      throw platformFailure({
        platform,
        category: 'retry_later',
        code: 'exchanged_by_push',
        message: arrived
          ? 'the retrieved code was exchanged by its push; its grant is taken'
          : 'the retrieved code is being exchanged by its push; no grant yet',
      });
    }
    throw unwrapChildFailure(err, platform);
  }
  if (result.ambiguous) {
    throw platformFailure({ platform, ...result.ambiguous, ambiguous: true });
  }
  if (!result.grant)
    throw platformFailure({ platform, category: 'retry_later', code: 'no_grant', message: 'no grant' });
  return { grant: result.grant };
}

/**
 * A child's failure as the activity failure inside it, so `failureFacts` reads it like a direct
 * call. A run that ended otherwise (terminated, timed out) may have spent the code: ambiguous.
 */
function unwrapChildFailure(err: unknown, platform: TpPlatform): unknown {
  if (!(err instanceof ChildWorkflowFailure)) return err;
  if (err.cause instanceof ActivityFailure || err.cause instanceof ApplicationFailure) return err.cause;
  return platformFailure({
    platform,
    category: 'retry_later',
    code: 'exchange_run_ended',
    message: `the code's exchange ended without an outcome (${err.cause?.name ?? 'unknown'})`,
    ambiguous: true,
  });
}
