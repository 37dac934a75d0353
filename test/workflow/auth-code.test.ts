/**
 * One authorization code, exchanged once and handed to its authorizer's workflow (authCodeWorkflow):
 * the account named by the platform's answer, the event, or (Baidu redirect) the app-info API; an
 * exchange the platform answered is never repeated (codes are single use), one that certainly sent
 * nothing is; an ambiguous one on Douyin/Baidu hands the authorizer a recovery instead of tokens.
 * On the time-skipping server with scripted activities.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { AuthCodeInput } from '../../workflows/auth-code';
import { authCodeWorkflow } from '../../workflows';
import {
  createScriptedEnvironment,
  teardownScriptedEnvironment,
  platformFailure,
  withScriptedWorker,
  SECOND,
  type ActivityOutput,
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

/** The request went out and no answer came back: the code may have been consumed. */
const douyinNoAnswer = () =>
  platformFailure({
    platform: 'douyin',
    category: 'retry_later',
    code: 'timeout',
    message: 'no answer',
    ambiguous: true,
  });

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
        expect(run.callsOf('exchangeAuthCode')[0].input).toEqual({
          platform: 'wechat',
          componentAppid: COMPONENT,
          code: 'auth-code-1',
        });
        expect(run.callsOf('handOverGrant')[0].input).toEqual({
          platform: 'wechat',
          componentAppid: COMPONENT,
          authorizerAppid: 'wxauthorizedapp1',
          grant: { ...exchanged().grant, source: 'redirect' },
        });
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
        expect(run.callsOf('resolveAuthorizerAppid')[0].input).toEqual({ platform: 'baidu', accessToken: 'at-1' });
        expect(run.callsOf('handOverGrant').map((c) => c.input.authorizerAppid)).toEqual([
          'bdappfromevent01',
          'bdappfrominfo001',
        ]);
      },
    );
  });

  it('an exchange the platform answered with an error is not repeated: the workflow fails, nothing is handed over', async () => {
    await withScriptedWorker(
      env,
      {
        exchangeAuthCode: () => {
          throw platformFailure({
            platform: 'wechat',
            category: 'refresh_token_invalid',
            code: '61010',
            message: 'code expired',
          });
        },
      },
      async (run) => {
        const handle = await run.start(
          authCodeWorkflow,
          'authcode/wechat/rejected',
          codeInput('wechat', 'auth-code-2'),
        );
        const error = await handle.result().catch((err: unknown) => err);
        expect(error).toBeInstanceOf(WorkflowFailedError);
        expect(run.calls.map((c) => c.activity)).toEqual(['exchangeAuthCode']);
      },
    );
  });

  it('an exchange that certainly sent nothing (no component token yet) is retried until it goes through', async () => {
    let attempts = 0;
    await withScriptedWorker(
      env,
      {
        exchangeAuthCode: () => {
          if (++attempts < 3)
            throw ApplicationFailure.create({ type: 'ComponentTokenUnavailable', message: 'no token yet' });
          return exchanged('wxauthorizedapp2');
        },
        handOverGrant: () => undefined,
      },
      async (run) => {
        const handle = await run.start(authCodeWorkflow, 'authcode/wechat/retried', codeInput('wechat', 'auth-code-3'));
        expect(await handle.result()).toMatchObject({ authorizerAppid: 'wxauthorizedapp2' });
        expect(run.callsOf('exchangeAuthCode')).toHaveLength(3);
        expect(run.callsOf('handOverGrant')).toHaveLength(1);
      },
    );
  });

  it('Douyin: an ambiguous exchange of an event’s code hands the authorizer a recovery, not a second exchange', async () => {
    await withScriptedWorker(
      env,
      {
        exchangeAuthCode: () => {
          throw douyinNoAnswer();
        },
        handOverGrant: () => undefined,
      },
      async (run) => {
        const handle = await run.start(
          authCodeWorkflow,
          'authcode/douyin/ambiguous',
          codeInput('douyin', 'auth-code-4', { source: 'authorized', authorizerAppid: 'ttauthorizedapp1' }),
        );
        expect(await handle.result()).toMatchObject({ authorizerAppid: 'ttauthorizedapp1', recovering: true });
        expect(run.callsOf('exchangeAuthCode')).toHaveLength(1);
        const [handOver] = run.callsOf('handOverGrant');
        expect(handOver.input.authorizerAppid).toBe('ttauthorizedapp1');
        expect(handOver.input.grant.recover).toMatch(/ambiguous exchange/);
        expect(handOver.input.grant.accessToken).toBeUndefined();
      },
    );
  });

  it('Douyin: an ambiguous exchange of a redirect’s code (account unknown) fails without a second exchange', async () => {
    await withScriptedWorker(
      env,
      {
        exchangeAuthCode: () => {
          throw douyinNoAnswer();
        },
      },
      async (run) => {
        const handle = await run.start(authCodeWorkflow, 'authcode/douyin/unknown', codeInput('douyin', 'auth-code-5'));
        await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
        expect(run.calls.map((c) => c.activity)).toEqual(['exchangeAuthCode']);
      },
    );
  });
});
