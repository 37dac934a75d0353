/**
 * Authorization and withdrawal ordered by the platform's time (workflows/push-order.ts, issue 12
 * point 7): an `unauthorized` older than the newest grant (a late retry of an earlier withdrawal)
 * does not revoke the re-authorization; one at or after it does. Grants without a platform time
 * (recorded before it was carried) do not shield, as before. authorizerTokenWorkflow on the
 * time-skipping server; no platform call is made.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { authorizerTokenWorkflow } from '../../workflows';
import { authorizeSignal, invalidateSignal, revokeSignal, type AuthorizerGrant } from '../../workflows/messages';
import {
  createScriptedEnvironment,
  teardownScriptedEnvironment,
  withScriptedWorker,
  HOUR,
  SECOND,
  type ScriptedRun,
} from '../harness/scripted-worker';

const COMPONENT = 'tpcomponentorder1';

const grant = (authorizedAt?: number): AuthorizerGrant => ({
  accessToken: 'at-1',
  refreshToken: 'rt-1',
  expiresInMs: 2 * HOUR,
  latencyMs: 0,
  funcInfo: [1],
  source: 'authorized',
  ...(authorizedAt === undefined ? {} : { authorizedAt }),
});

async function authorized(run: ScriptedRun, appid: string, authorizedAt?: number): Promise<WorkflowHandle> {
  const handle = await run.start(authorizerTokenWorkflow, `authorizer/douyin/${COMPONENT}/${appid}`, {
    platform: 'douyin',
    componentAppid: COMPONENT,
    authorizerAppid: appid,
  });
  await handle.signal(authorizeSignal, grant(authorizedAt));
  await run.describedWhen(handle, (d) => d.status === 'active', 'the authorized token');
  return handle;
}

/** Signals are handled in order: once a later (ignored) report is, the revoke before it was too. */
async function handled(run: ScriptedRun, handle: WorkflowHandle): Promise<void> {
  await handle.signal(invalidateSignal, { version: -1 });
  await run.advance(SECOND);
}

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createScriptedEnvironment();
}, 60_000);
afterAll(() => teardownScriptedEnvironment(env));

it('an unauthorized older than the newest grant does not revoke; one at or after it does', async () => {
  await withScriptedWorker(env, {}, async (run) => {
    const grantedAt = (await run.now()) - 60 * SECOND;
    const handle = await authorized(run, 'ttorderedapp01', grantedAt);

    await handle.signal(revokeSignal, { at: grantedAt - HOUR });
    await handled(run, handle);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect(await run.token(handle)).toMatchObject({ status: 'active', accessToken: 'at-1' });

    await handle.signal(revokeSignal, { at: grantedAt });
    await handle.result();
    expect((await run.token(handle)).status).toBe('revoked');
    expect(run.calls).toEqual([]);
  });
});

it('a grant without a platform time does not shield against an older unauthorized (as before)', async () => {
  await withScriptedWorker(env, {}, async (run) => {
    const handle = await authorized(run, 'ttorderedapp02');
    await handle.signal(revokeSignal, { at: (await run.now()) - HOUR });
    await handle.result();
    expect((await run.token(handle)).status).toBe('revoked');
  });
});
