/**
 * A retrieved code is exchanged once, whichever path comes first (docs/architecture.md,
 * exactly-once rules): while a Douyin authorizer recovers its refresh token (retrieve a code, then
 * exchange it), the platform may push the same code (UPDATE_AUTHORIZED), which the gateway submits
 * as an authorization code. Both go through the code's authCodeWorkflow ID, so the platform sees
 * the code once. On the time-skipping server with scripted activities.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { authCodeWorkflowId, submitAuthCode } from '../../client/credentials';
import { authorizerTokenWorkflow } from '../../workflows';
import { authorizeSignal } from '../../workflows/messages';
import {
  createScriptedEnvironment,
  teardownScriptedEnvironment,
  withScriptedWorker,
  SECOND,
  type Script,
  type ScriptedRun,
} from '../harness/scripted-worker';

const COMPONENT = 'tpcomponent00003';
const platform = 'douyin';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createScriptedEnvironment();
}, 60_000);
afterAll(() => teardownScriptedEnvironment(env));

/** A Douyin platform that records every code exchanged and pushes each retrieved code if told to. */
function douyinPlatform(authorizerAppid: string, pushFirst: (code: string) => Promise<void>) {
  const exchangedCodes: string[] = [];
  const script: Script = {
    retrieveAuthorizationCode: async () => {
      const code = `retrieved-${authorizerAppid}`;
      await pushFirst(code);
      return {
        code,
        expiresInSeconds: 3600,
        codeWorkflowId: authCodeWorkflowId({ platform, componentAppid: COMPONENT, code }),
      };
    },
    exchangeAuthCode: ({ code }) => {
      exchangedCodes.push(code);
      return {
        authorizerAppid,
        grant: {
          accessToken: `at-${exchangedCodes.length}`,
          refreshToken: `rt-${exchangedCodes.length}`,
          expiresInMs: 7200 * SECOND,
          latencyMs: 0,
          funcInfo: [1],
        },
      };
    },
    handOverGrant: async ({ authorizerAppid: appid, grant }) => {
      await env.client.workflow
        .getHandle(`authorizer/${platform}/${COMPONENT}/${appid}`)
        .signal(authorizeSignal, grant);
    },
  };
  return { exchangedCodes, script };
}

/** The push's delivery of `code`, as the gateway submits an UPDATE_AUTHORIZED event. */
const submitPush = (run: ScriptedRun, code: string, authorizerAppid: string) =>
  submitAuthCode(
    { client: env.client, taskQueue: run.taskQueue },
    { platform, componentAppid: COMPONENT, code, source: 'updateauthorized', authorizerAppid },
  );

/** An authorizer whose first exchange was ambiguous: it recovers at once (retrieve, exchange). */
async function recovering(run: ScriptedRun, authorizerAppid: string): Promise<WorkflowHandle> {
  const handle = await run.start(authorizerTokenWorkflow, `authorizer/${platform}/${COMPONENT}/${authorizerAppid}`, {
    platform,
    componentAppid: COMPONENT,
    authorizerAppid,
  });
  await handle.signal(authorizeSignal, {
    funcInfo: [],
    latencyMs: 0,
    source: 'authorized',
    recover: 'ambiguous exchange (malformed)',
  });
  return handle;
}

describe('Douyin recovery and the pushed retrieved code', () => {
  it('the recovery exchanges first: the push of the same code finds its run and sends nothing', async () => {
    const appid = 'ttrecoveryfirst1';
    const tp = douyinPlatform(appid, async () => undefined);
    await withScriptedWorker(env, tp.script, async (run) => {
      const handle = await recovering(run, appid);
      await run.describedWhen(handle, (d) => d.status === 'active', 'the recovered token');
      expect(await submitPush(run, `retrieved-${appid}`, appid)).toMatchObject({ duplicate: true });
      await run.advance(10 * SECOND);
      expect(tp.exchangedCodes).toEqual([`retrieved-${appid}`]);
      expect(await run.token(handle)).toMatchObject({ accessToken: 'at-1', version: 1 });
      expect((await run.describe(handle)).settings['last recovery']).toMatch(/→ recovered/);
    });
  });

  it('the push exchanges first: the recovery takes the grant it hands over and sends nothing', async () => {
    const appid = 'ttpushfirst00001';
    let pushed: Promise<unknown> | undefined;
    // The platform pushes the code before the retrieval's answer arrives; the push's run exchanges it.
    const tp = douyinPlatform(appid, async (code) => {
      pushed ??= submitPush(currentRun!, code, appid).then(() =>
        env.client.workflow.getHandle(authCodeWorkflowId({ platform, componentAppid: COMPONENT, code })).result(),
      );
      await pushed;
    });
    let currentRun: ScriptedRun | undefined;
    await withScriptedWorker(env, tp.script, async (run) => {
      currentRun = run;
      const handle = await recovering(run, appid);
      await run.describedWhen(handle, (d) => d.status === 'active', 'the pushed grant');
      await run.advance(10 * SECOND);
      expect(tp.exchangedCodes).toEqual([`retrieved-${appid}`]);
      expect(await run.token(handle)).toMatchObject({ accessToken: 'at-1' });
      const d = await run.describe(handle);
      expect(d.settings['recovery pending']).toBe('—');
      expect(run.callsOf('handOverGrant').map((c) => c.input.grant.source)).toEqual(['updateauthorized']);
    });
  });
});
