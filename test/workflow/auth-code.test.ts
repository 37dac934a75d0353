/**
 * One authorization code, sent to the platform once (authCodeWorkflow; docs/architecture.md,
 * exactly-once rules): one attempt per activity, retried by the workflow only when the code was
 * certainly not consumed (nothing sent, busy) and while it can still work; a definite answer fails
 * the run, and a failed run does not block a later delivery of the same code; an ambiguous outcome
 * (answer lost or garbled, the attempt timed out) is never re-sent but recovered through the
 * account — Douyin/Baidu by the authorizer's workflow, WeChat from the authorizer list — once a
 * delivery names the account. On the time-skipping server with scripted activities.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { authCodeWorkflowId, submitAuthCode } from '../../client/credentials';
import type { PlatformFailureDetails } from '../../platforms/errors';
import type { AuthCodeInput } from '../../workflows/auth-code';
import { authCodeWorkflow } from '../../workflows';
import {
  createScriptedEnvironment,
  teardownScriptedEnvironment,
  gate,
  platformFailure,
  withScriptedWorker,
  MINUTE,
  SECOND,
  type ActivityOutput,
  type ScriptedRun,
} from '../harness/scripted-worker';

const COMPONENT = 'tpcomponent00002';

const exchanged = (authorizerAppid?: string): ActivityOutput<'exchangeAuthCode'> => ({
  authorizerAppid,
  grant: { accessToken: 'at-1', expiresInMs: 7200 * SECOND, latencyMs: 5, refreshToken: 'rt-1', funcInfo: [1, 2] },
});

const codeInput = (platform: AuthCodeInput['platform'], code: string, extra: Partial<AuthCodeInput> = {}) => ({
  platform,
  componentAppid: COMPONENT,
  code,
  source: 'redirect',
  ...extra,
});

const failing = (details: PlatformFailureDetails) => () => {
  throw platformFailure(details);
};
/** The request went out and the answer could not be read: the code may have been consumed. */
const garbled = (platform: PlatformFailureDetails['platform']) =>
  failing({ platform, category: 'retry_later', code: 'malformed', message: 'HTTP 200, not JSON', ambiguous: true });
const busy = (platform: string) =>
  platformFailure({ platform, category: 'retry_later', code: platform === 'wechat' ? '-1' : '40000', message: 'busy' });

/** Submits a code as the gateway does (ID per code hash, ALLOW_DUPLICATE_FAILED_ONLY). */
const submit = (run: ScriptedRun, input: ReturnType<typeof codeInput>) =>
  submitAuthCode({ client: env.client, taskQueue: run.taskQueue }, { ...input, platform: input.platform ?? 'wechat' });
const handleOf = (input: ReturnType<typeof codeInput>) =>
  env.client.workflow.getHandle(authCodeWorkflowId({ ...input, platform: input.platform ?? 'wechat' }));

/** Each exchange attempt's own activity task allows exactly one attempt (SINGLE_USE_CALL). */
async function exchangeRetryPolicies(workflowId: string): Promise<number[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a) => a?.activityType?.name === 'exchangeAuthCode')
    .map((a) => Number(a!.retryPolicy?.maximumAttempts));
}

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createScriptedEnvironment();
}, 60_000);
afterAll(() => teardownScriptedEnvironment(env));

describe('authorization code', () => {
  it('is exchanged once and the grant handed to the account the platform named', async () => {
    await withScriptedWorker(
      env,
      { exchangeAuthCode: () => exchanged('wxauthorizedapp1'), handOverGrant: () => undefined },
      async (run) => {
        const handle = await run.start(authCodeWorkflow, 'authcode/wechat/1', codeInput('wechat', 'auth-code-1'));
        expect(await handle.result()).toEqual({
          authorizerAppid: 'wxauthorizedapp1',
          funcInfo: [1, 2],
          appidFrom: 'exchange',
        });
        expect(run.calls.map((c) => c.activity)).toEqual(['exchangeAuthCode', 'handOverGrant']);
        expect(run.callsOf('exchangeAuthCode')[0]!.input).toEqual({
          platform: 'wechat',
          componentAppid: COMPONENT,
          code: 'auth-code-1',
          singleUse: true,
        });
        expect(run.callsOf('handOverGrant')[0]!.input).toEqual({
          platform: 'wechat',
          componentAppid: COMPONENT,
          authorizerAppid: 'wxauthorizedapp1',
          grant: { ...exchanged().grant, source: 'redirect' },
        });
        expect(await exchangeRetryPolicies('authcode/wechat/1')).toEqual([1]);
      },
    );
  });

  it('Baidu: the account comes from the event, or for a redirect from the app-info API with the new token', async () => {
    await withScriptedWorker(
      env,
      {
        exchangeAuthCode: () => exchanged(undefined),
        resolveAuthorizerAppid: () => 'bdappfrominfo001',
        handOverGrant: () => undefined,
      },
      async (run) => {
        const fromEvent = await run.start(
          authCodeWorkflow,
          'authcode/baidu/event',
          codeInput('baidu', 'auth-code-event', { source: 'authorized', authorizerAppid: 'bdappfromevent01' }),
        );
        expect(await fromEvent.result()).toMatchObject({ authorizerAppid: 'bdappfromevent01', appidFrom: 'event' });
        expect(run.callsOf('resolveAuthorizerAppid')).toEqual([]);

        const fromRedirect = await run.start(
          authCodeWorkflow,
          'authcode/baidu/redirect',
          codeInput('baidu', 'auth-code-redirect'),
        );
        expect(await fromRedirect.result()).toMatchObject({
          authorizerAppid: 'bdappfrominfo001',
          appidFrom: 'app_info',
        });
        expect(run.callsOf('resolveAuthorizerAppid')[0]!.input).toEqual({ platform: 'baidu', accessToken: 'at-1' });
        expect(run.callsOf('handOverGrant').map((c) => c.input.authorizerAppid)).toEqual([
          'bdappfromevent01',
          'bdappfrominfo001',
        ]);
      },
    );
  });

  it('an exchange the platform answered with an error is not repeated; the failed run does not block a later delivery', async () => {
    let rejections = 1;
    await withScriptedWorker(
      env,
      {
        exchangeAuthCode: () => {
          if (rejections-- > 0)
            throw platformFailure({
              platform: 'wechat',
              category: 'refresh_token_invalid',
              code: '61010',
              message: 'code expired',
            });
          return exchanged('wxauthorizedapp9');
        },
        handOverGrant: () => undefined,
      },
      async (run) => {
        const input = codeInput('wechat', 'auth-code-2');
        expect(await submit(run, input)).toMatchObject({ duplicate: false });
        const error = await handleOf(input)
          .result()
          .catch((err: unknown) => err);
        expect(error).toBeInstanceOf(WorkflowFailedError);
        expect(run.calls.map((c) => c.activity)).toEqual(['exchangeAuthCode']);
        // The same code delivered again (e.g. its event after the redirect): a new run may try it.
        expect(await submit(run, { ...input, source: 'authorized' })).toMatchObject({ duplicate: false });
        expect(await handleOf(input).result()).toMatchObject({ authorizerAppid: 'wxauthorizedapp9' });
        // A completed run dedups every later delivery.
        expect(
          await submit(run, { ...input, source: 'authorized', authorizerAppid: 'wxauthorizedapp9' }),
        ).toMatchObject({
          duplicate: true,
        });
        expect(run.callsOf('exchangeAuthCode')).toHaveLength(2);
      },
    );
  });

  it('an exchange that certainly sent nothing, or that the platform called busy, is retried by the workflow with backoff', async () => {
    const failures = [
      () => ApplicationFailure.create({ type: 'ComponentTokenUnavailable', message: 'no token yet' }),
      () => busy('douyin'),
      () => platformFailure({ platform: 'douyin', category: 'retry_later', code: 'network', message: 'ECONNREFUSED' }),
    ];
    await withScriptedWorker(
      env,
      {
        exchangeAuthCode: () => {
          const failure = failures.shift();
          if (failure) throw failure();
          return exchanged('ttauthorizedapp2');
        },
        handOverGrant: () => undefined,
      },
      async (run) => {
        const handle = await run.start(authCodeWorkflow, 'authcode/douyin/retried', codeInput('douyin', 'auth-code-3'));
        expect(await handle.result()).toMatchObject({ authorizerAppid: 'ttauthorizedapp2' });
        const attempts = run.callsOf('exchangeAuthCode');
        expect(attempts).toHaveLength(4);
        // 1 s, 2 s, 4 s apart (the workflow's timer; each activity allows one attempt only).
        const gaps = attempts.slice(1).map((call, i) => call.at - attempts[i]!.at);
        gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(1_000 * 2 ** i - 200));
        expect(await exchangeRetryPolicies('authcode/douyin/retried')).toEqual([1, 1, 1, 1]);
        expect(run.callsOf('handOverGrant')).toHaveLength(1);
      },
    );
  });

  it('busy for longer than the code can live: the run fails, and retries stopped at the code’s lifetime', async () => {
    await withScriptedWorker(
      env,
      {
        exchangeAuthCode: () => {
          throw busy('wechat');
        },
      },
      async (run) => {
        const started = await run.now();
        const handle = await run.start(authCodeWorkflow, 'authcode/wechat/busy', codeInput('wechat', 'auth-code-busy'));
        await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
        const attempts = run.callsOf('exchangeAuthCode');
        expect(attempts.length).toBeGreaterThan(5);
        expect(attempts.at(-1)!.at - started).toBeLessThanOrEqual(10 * MINUTE);
      },
    );
  });

  it.each(['douyin', 'baidu'] as const)(
    '%s: an ambiguous exchange of an event’s code hands the authorizer a recovery, not a second exchange',
    async (platform) => {
      await withScriptedWorker(
        env,
        { exchangeAuthCode: garbled(platform), handOverGrant: () => undefined },
        async (run) => {
          const handle = await run.start(
            authCodeWorkflow,
            `authcode/${platform}/ambiguous`,
            codeInput(platform, 'auth-code-4', { source: 'authorized', authorizerAppid: 'authorizedapp001' }),
          );
          expect(await handle.result()).toMatchObject({ authorizerAppid: 'authorizedapp001', recovering: true });
          expect(run.callsOf('exchangeAuthCode')).toHaveLength(1);
          const [handOver] = run.callsOf('handOverGrant');
          expect(handOver!.input.authorizerAppid).toBe('authorizedapp001');
          expect(handOver!.input.grant.recover).toBe('ambiguous exchange (malformed)');
          expect(handOver!.input.grant.accessToken).toBeUndefined();
        },
      );
    },
  );

  it('Douyin: an exchange attempt that timed out (the worker died mid-call) is recovered, never re-sent', async () => {
    const held = gate();
    await withScriptedWorker(
      env,
      { exchangeAuthCode: () => held.wait.then(() => exchanged('late')), handOverGrant: () => undefined },
      async (run) => {
        const handle = await run.start(
          authCodeWorkflow,
          'authcode/douyin/timeout',
          codeInput('douyin', 'auth-code-timeout', { source: 'authorized', authorizerAppid: 'ttauthorizedapp3' }),
        );
        expect(await handle.result()).toMatchObject({ recovering: true });
        expect(run.callsOf('exchangeAuthCode')).toHaveLength(1);
        expect(run.callsOf('handOverGrant')[0]!.input.grant.recover).toBe('ambiguous exchange (activity timed out)');
        held.release();
      },
    );
  }, 30_000);

  it('Douyin: an ambiguous exchange of a redirect’s code waits for the event naming the account, then recovers', async () => {
    await withScriptedWorker(
      env,
      { exchangeAuthCode: garbled('douyin'), handOverGrant: () => undefined },
      async (run) => {
        const redirect = codeInput('douyin', 'auth-code-5');
        expect(await submit(run, redirect)).toMatchObject({ duplicate: false });
        await run.advance(2 * MINUTE);
        expect(run.callsOf('handOverGrant')).toEqual([]);
        // The authorized event delivers the same code with the account: no second exchange, recovery.
        const event = { ...redirect, source: 'authorized', authorizerAppid: 'ttauthorizedapp5' };
        expect(await submit(run, event)).toMatchObject({ duplicate: true });
        expect(await handleOf(redirect).result()).toMatchObject({
          authorizerAppid: 'ttauthorizedapp5',
          recovering: true,
        });
        expect(run.callsOf('exchangeAuthCode')).toHaveLength(1);
        expect(run.callsOf('handOverGrant')[0]!.input).toMatchObject({
          authorizerAppid: 'ttauthorizedapp5',
          grant: { recover: 'ambiguous exchange (malformed)' },
        });
      },
    );
  });

  it('Douyin: an ambiguous exchange of a redirect’s code that nobody names fails once the code is dead, sent once', async () => {
    await withScriptedWorker(env, { exchangeAuthCode: garbled('douyin') }, async (run) => {
      const handle = await run.start(authCodeWorkflow, 'authcode/douyin/unknown', codeInput('douyin', 'auth-code-6'));
      const error = await handle.result().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect(String((error as WorkflowFailedError).cause?.message)).toMatch(/no delivery named the account/);
      expect(run.calls.map((c) => c.activity)).toEqual(['exchangeAuthCode']);
    });
  });

  it('WeChat: an ambiguous exchange is recovered from the authorizer list: its refresh token goes to the authorizer', async () => {
    await withScriptedWorker(
      env,
      {
        exchangeAuthCode: garbled('wechat'),
        recoverWechatRefreshToken: () => ({ refreshToken: 'listed-rt' }),
        handOverGrant: () => undefined,
      },
      async (run) => {
        const handle = await run.start(
          authCodeWorkflow,
          'authcode/wechat/ambiguous',
          codeInput('wechat', 'auth-code-7', { source: 'authorized', authorizerAppid: 'wxauthorizedapp7' }),
        );
        expect(await handle.result()).toMatchObject({
          authorizerAppid: 'wxauthorizedapp7',
          refreshTokenFromList: true,
        });
        expect(run.calls.map((c) => c.activity)).toEqual([
          'exchangeAuthCode',
          'recoverWechatRefreshToken',
          'handOverGrant',
        ]);
        expect(run.callsOf('handOverGrant')[0]!.input.grant).toEqual({
          funcInfo: [],
          latencyMs: 0,
          source: 'authorized',
          refreshToken: 'listed-rt',
        });
      },
    );
  });

  it('WeChat: an ambiguous exchange with no refresh token in the list fails without a second exchange', async () => {
    await withScriptedWorker(
      env,
      { exchangeAuthCode: garbled('wechat'), recoverWechatRefreshToken: () => ({ refreshToken: undefined }) },
      async (run) => {
        const handle = await run.start(
          authCodeWorkflow,
          'authcode/wechat/lost',
          codeInput('wechat', 'auth-code-8', { source: 'authorized', authorizerAppid: 'wxauthorizedapp8' }),
        );
        await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
        expect(run.calls.map((c) => c.activity)).toEqual(['exchangeAuthCode', 'recoverWechatRefreshToken']);
      },
    );
  });
});
