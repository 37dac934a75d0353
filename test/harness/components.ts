/**
 * Component helpers of the integration tests: a component workflow's description, how many signals
 * (pushes handed over) it received, how many calls the sandbox's WeChat component APIs got, and a
 * JSON GET on the gateway.
 */
import { request } from 'undici';
import type { Client } from '@temporalio/client';
import type { SandboxHandle } from '../../sandbox';
import type { CallRecord } from '../../sandbox/core/call-log';
import { componentWorkflowId, type Platform } from '../../workflows/credential-ids';
import { describeQuery, type CredentialDescription } from '../../workflows/messages';

export function describeComponent(
  client: Client,
  platform: Platform,
  componentAppid: string,
): Promise<CredentialDescription> {
  return client.workflow.getHandle(componentWorkflowId(platform, componentAppid)).query(describeQuery);
}

/** Signals in the component workflow's history; undefined when no workflow exists (nothing was ever signalled). */
export async function signalsReceived(
  client: Client,
  platform: Platform,
  componentAppid: string,
): Promise<number | undefined> {
  try {
    const history = await client.workflow.getHandle(componentWorkflowId(platform, componentAppid)).fetchHistory();
    return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
  } catch {
    return undefined; // no workflow: nothing was ever signalled
  }
}

/** The calls the sandbox's WeChat `endpoint` received for `appid`, oldest first. */
export async function wechatCalls(sandbox: SandboxHandle, endpoint: string, appid: string): Promise<CallRecord[]> {
  return (await sandbox.control.calls({ platform: 'wechat', endpoint, appid })).calls;
}

/** GET `path` on the gateway: status and JSON body. */
export async function gatewayJson(
  gatewayUrl: string,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(`${gatewayUrl}${path}`);
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}
