/**
 * An authorized account's token and its refresh token (docs/architecture.md invariant 3: single-use refresh
 * tokens are never lost by us). Douyin and Baidu refresh tokens work once: a refresh that may have
 * reached the platform is never sent again; the workflow retrieves a fresh authorization code and
 * exchanges it instead, and declares `reauth_required` only when the authorization is gone or
 * recovery keeps failing. WeChat looks a rejected refresh token up in the authorizer list.
 * authorizerTokenWorkflow on the time-skipping server, against a scripted platform that records
 * every refresh token and code it receives.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { PlatformFailureDetails } from '../../platforms/errors';
import { authorizerTokenWorkflow } from '../../workflows';
import { authorizeSignal, invalidateSignal, revokeSignal, type AuthorizerGrant } from '../../workflows/messages';
import {
  createScriptedEnvironment,
  teardownScriptedEnvironment,
  minted,
  platformFailure,
  withScriptedWorker,
  HOUR,
  MINUTE,
  SECOND,
  type Script,
  type ScriptedRun,
} from '../harness/scripted-worker';

const LIFETIME_S = 7200;
const COMPONENT = 'tpcomponent00001';

type RefreshOutcome = 'ok' | 'ambiguous' | 'rejected' | 'not_sent';
type Platform = 'wechat' | 'douyin' | 'baidu';

/** Each platform's own words for the failures the workflow must tell apart. */
const CODES: Record<'douyin' | 'baidu', { rejected: string; noAuthorization: string; configError: string }> = {
  douyin: { rejected: '40021', noAuthorization: '40022', configError: '40006' },
  baidu: { rejected: 'invalid_grant', noAuthorization: '50032', configError: 'invalid_client' },
};

/**
 * A platform that issues `at-N` / `rt-N` pairs and remembers every refresh token and code that
 * reached it: `replayed` lists any sent a second time, which must never happen.
 */
class ScriptedTpPlatform {
  readonly refreshTokensSent: string[] = [];
  readonly replayed: string[] = [];
  readonly codesIssued: string[] = [];
  readonly codesExchanged: string[] = [];
  /** What the next refreshes do, in order; then `ok`. */
  refreshOutcomes: RefreshOutcome[] = [];
  /** Failures of the next retrievals / exchanges, in order; then success. */
  retrieveFailures: Omit<PlatformFailureDetails, 'platform'>[] = [];
  exchangeFailures: Omit<PlatformFailureDetails, 'platform'>[] = [];
  /** WeChat: the refresh token api_get_authorizer_list holds. */
  listedRefreshToken?: string;
  private readonly reached = new Set<string>();
  private issued = 0;

  constructor(
    readonly platform: Platform,
    readonly authorizerAppid: string,
  ) {}

  private fail(details: Omit<PlatformFailureDetails, 'platform'>) {
    return platformFailure({ platform: this.platform, ...details });
  }

  private reach(value: string) {
    if (this.reached.has(value)) this.replayed.push(value);
    this.reached.add(value);
  }

  private issue() {
    this.issued++;
    return { accessToken: `at-${this.issued}`, refreshToken: `rt-${this.issued}` };
  }

  /** The grant of the account's authorization (as the auth-code workflow hands it over). */
  authorization(): AuthorizerGrant {
    const { accessToken, refreshToken } = this.issue();
    return {
      accessToken,
      refreshToken,
      expiresInMs: LIFETIME_S * SECOND,
      latencyMs: 0,
      funcInfo: [1, 2],
      source: 'authorized',
    };
  }

  script(): Script {
    return {
      refreshAuthorizerToken: ({ refreshToken }) => {
        this.refreshTokensSent.push(refreshToken);
        const outcome = this.refreshOutcomes.shift() ?? 'ok';
        if (outcome === 'not_sent') {
          throw this.fail({
            category: 'retry_later',
            code: 'no_time_left',
            message: 'activity budget spent before the request',
          });
        }
        this.reach(refreshToken);
        if (outcome === 'ambiguous') {
          throw this.fail({ category: 'retry_later', code: 'timeout', message: 'no answer', ambiguous: true });
        }
        if (outcome === 'rejected') {
          const code = this.platform === 'wechat' ? '61023' : CODES[this.platform].rejected;
          throw this.fail({ category: 'refresh_token_invalid', code, message: 'refresh token invalid' });
        }
        const next = this.issue();
        return { token: minted(next.accessToken, LIFETIME_S), refreshToken: next.refreshToken };
      },
      retrieveAuthorizationCode: () => {
        const failure = this.retrieveFailures.shift();
        if (failure) throw this.fail(failure);
        const code = `code-${this.codesIssued.length + 1}`;
        this.codesIssued.push(code);
        return { code, expiresInSeconds: 600 };
      },
      exchangeAuthCode: ({ code }) => {
        this.codesExchanged.push(code);
        this.reach(code);
        const failure = this.exchangeFailures.shift();
        if (failure) throw this.fail(failure);
        const next = this.issue();
        return {
          authorizerAppid: this.authorizerAppid,
          grant: { ...next, expiresInMs: LIFETIME_S * SECOND, latencyMs: 0, funcInfo: [1, 2, 3] },
        };
      },
      recoverWechatRefreshToken: () => ({ refreshToken: this.listedRefreshToken }),
    };
  }
}

/** Starts the authorizer's workflow and hands it the authorization; resolves once its token is active. */
async function authorized(run: ScriptedRun, tp: ScriptedTpPlatform): Promise<WorkflowHandle> {
  const handle = await run.start(
    authorizerTokenWorkflow,
    `authorizer/${tp.platform}/${COMPONENT}/${tp.authorizerAppid}`,
    { platform: tp.platform, componentAppid: COMPONENT, authorizerAppid: tp.authorizerAppid },
  );
  await handle.signal(authorizeSignal, tp.authorization());
  await run.describedWhen(handle, (d) => d.version === 1 && d.status === 'active', 'the authorized token');
  return handle;
}

/** Skips to just past the next scheduled refresh. */
async function untilRefresh(run: ScriptedRun, handle: WorkflowHandle, extra = SECOND): Promise<void> {
  const { nextRefreshAt } = await run.describe(handle);
  await run.advance(nextRefreshAt! - (await run.now()) + extra);
}

const activities = (run: ScriptedRun) => run.calls.map((c) => c.activity);

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createScriptedEnvironment();
}, 60_000);
afterAll(() => teardownScriptedEnvironment(env));

describe.each(['douyin', 'baidu'] as const)('%s authorizer: single-use refresh tokens', (platform) => {
  const codes = CODES[platform];
  let seq = 0;
  const appid = () => `${platform.slice(0, 2)}authorizer${String(++seq).padStart(4, '0')}`;

  it('an ambiguous refresh is never replayed: a fresh code is retrieved and exchanged, and refreshing goes on from there', async () => {
    const tp = new ScriptedTpPlatform(platform, appid());
    tp.refreshOutcomes = ['ambiguous'];
    await withScriptedWorker(env, tp.script(), async (run) => {
      const handle = await authorized(run, tp);
      await untilRefresh(run, handle);
      expect(activities(run)).toEqual(['refreshAuthorizerToken', 'retrieveAuthorizationCode', 'exchangeAuthCode']);
      expect(run.callsOf('exchangeAuthCode')[0].input).toEqual({
        platform,
        componentAppid: COMPONENT,
        code: 'code-1',
        singleUse: true,
      });
      expect(await run.token(handle)).toMatchObject({ status: 'active', accessToken: 'at-2', version: 2 });
      expect((await run.describe(handle)).permissions).toEqual([1, 2, 3]);

      // The next cycles refresh with the exchanged refresh token, then with each one returned.
      await untilRefresh(run, handle);
      await untilRefresh(run, handle);
      expect(tp.refreshTokensSent).toEqual(['rt-1', 'rt-2', 'rt-3']);
      expect(tp.replayed).toEqual([]);
      expect(await run.token(handle)).toMatchObject({ status: 'active', accessToken: 'at-4', version: 4 });
    });
  });

  it('a rejected refresh token is recovered the same way, without sending it again', async () => {
    const tp = new ScriptedTpPlatform(platform, appid());
    tp.refreshOutcomes = ['rejected'];
    await withScriptedWorker(env, tp.script(), async (run) => {
      const handle = await authorized(run, tp);
      await untilRefresh(run, handle);
      expect(activities(run)).toEqual(['refreshAuthorizerToken', 'retrieveAuthorizationCode', 'exchangeAuthCode']);
      expect(await run.describe(handle)).toMatchObject({ status: 'active', version: 2, consecutiveFailures: 0 });
      await untilRefresh(run, handle);
      expect(tp.refreshTokensSent).toEqual(['rt-1', 'rt-2']);
      expect(tp.replayed).toEqual([]);
    });
  });

  it('a refresh that certainly never reached the platform is retried with the same refresh token, after backoff, without recovery', async () => {
    const tp = new ScriptedTpPlatform(platform, appid());
    tp.refreshOutcomes = ['not_sent'];
    await withScriptedWorker(env, tp.script(), async (run) => {
      const handle = await authorized(run, tp);
      await untilRefresh(run, handle, 300);
      const failed = await run.describe(handle);
      expect(failed).toMatchObject({ consecutiveFailures: 1, lastError: { code: 'no_time_left' } });
      expect(failed.nextRefreshAt! - failed.lastError!.at).toBeGreaterThanOrEqual(0.75 * SECOND); // backoff, not at once
      await run.expectNextCallAt(failed.nextRefreshAt!, 300);
      expect(run.callsOf('refreshAuthorizerToken').map((c) => c.input.refreshToken)).toEqual(['rt-1', 'rt-1']);
      expect(run.callsOf('retrieveAuthorizationCode')).toEqual([]);
      expect(await run.token(handle)).toMatchObject({ status: 'active', accessToken: 'at-2', version: 2 });
    });
  });

  it('retrieval answering "no authorization" is reauth_required at once; then nothing is called, whatever happens', async () => {
    const tp = new ScriptedTpPlatform(platform, appid());
    tp.refreshOutcomes = ['rejected'];
    tp.retrieveFailures = [
      { category: 'refresh_token_invalid', code: codes.noAuthorization, message: 'no authorization' },
    ];
    await withScriptedWorker(env, tp.script(), async (run) => {
      const handle = await authorized(run, tp);
      await untilRefresh(run, handle);
      expect(activities(run)).toEqual(['refreshAuthorizerToken', 'retrieveAuthorizationCode']);
      const gone = await run.describe(handle);
      expect(gone).toMatchObject({
        status: 'reauth_required',
        lastError: { category: 'refresh_token_invalid', code: codes.noAuthorization },
      });
      expect(String(gone.settings['last recovery'])).toMatch(/authorization gone/); // what operators are told

      await handle.signal(invalidateSignal, { version: 1 });
      await run.advance(24 * HOUR);
      expect(activities(run)).toHaveLength(2);
      expect((await run.describe(handle)).status).toBe('reauth_required');

      // A new authorization brings it back.
      await handle.signal(authorizeSignal, tp.authorization());
      await run.describedWhen(handle, (d) => d.status === 'active', 'the new authorization');
      expect((await run.token(handle)).accessToken).toBe('at-2');
    });
  });

  it('recovery failing on platform answers is retried with a fresh code each time, up to the maximum, then reauth_required', async () => {
    const tp = new ScriptedTpPlatform(platform, appid());
    tp.refreshOutcomes = ['rejected'];
    // A configuration error the platform answers (IP whitelist, client): definitive, yet retried, not parked.
    const refused = { category: 'credential_invalid', code: codes.configError, message: 'refused' } as const;
    tp.exchangeFailures = Array.from({ length: 10 }, () => refused);
    await withScriptedWorker(env, tp.script(), async (run) => {
      const handle = await authorized(run, tp);
      await untilRefresh(run, handle, 10 * MINUTE);
      // Every attempt retrieves a new code; no code and no refresh token goes twice.
      expect(tp.codesExchanged).toEqual(['code-1', 'code-2', 'code-3', 'code-4', 'code-5']);
      expect(tp.refreshTokensSent).toEqual(['rt-1']);
      expect(tp.replayed).toEqual([]);
      expect((await run.describe(handle)).status).toBe('reauth_required');
      await run.advance(24 * HOUR);
      expect(tp.codesExchanged).toHaveLength(5);
    });
  });

  it('transient recovery failures do not count towards reauth_required', async () => {
    const tp = new ScriptedTpPlatform(platform, appid());
    tp.refreshOutcomes = ['ambiguous'];
    const busy = { category: 'retry_later', code: 'http_502', message: 'bad gateway' } as const;
    tp.retrieveFailures = Array.from({ length: 4 }, () => busy);
    tp.exchangeFailures = Array.from({ length: 4 }, () => busy);
    await withScriptedWorker(env, tp.script(), async (run) => {
      const handle = await authorized(run, tp);
      await untilRefresh(run, handle, 10 * MINUTE);
      expect(tp.codesExchanged).toHaveLength(5);
      expect(await run.describe(handle)).toMatchObject({ status: 'active', version: 2 });
      expect(tp.replayed).toEqual([]);
    });
  });

  it('a grant whose code exchange was ambiguous makes the new authorizer recover at once', async () => {
    const tp = new ScriptedTpPlatform(platform, appid());
    await withScriptedWorker(env, tp.script(), async (run) => {
      const handle = await run.start(
        authorizerTokenWorkflow,
        `authorizer/${platform}/${COMPONENT}/${tp.authorizerAppid}`,
        { platform, componentAppid: COMPONENT, authorizerAppid: tp.authorizerAppid },
      );
      expect((await run.describe(handle)).status).toBe('pending');
      await handle.signal(authorizeSignal, {
        funcInfo: [],
        latencyMs: 0,
        source: 'authorized',
        recover: 'ambiguous exchange (timeout)',
      });
      await run.describedWhen(handle, (d) => d.status === 'active', 'the recovered authorization');
      expect(activities(run)).toEqual(['retrieveAuthorizationCode', 'exchangeAuthCode']);
      expect(await run.token(handle)).toMatchObject({ accessToken: 'at-1', version: 1 });
    });
  });
});

describe('wechat authorizer: reusable refresh tokens', () => {
  it('61023 (refresh token superseded): the one in api_get_authorizer_list is adopted and used', async () => {
    const tp = new ScriptedTpPlatform('wechat', 'wxauthorizer61023');
    tp.refreshOutcomes = ['rejected'];
    tp.listedRefreshToken = 'rt-listed';
    await withScriptedWorker(env, tp.script(), async (run) => {
      const handle = await authorized(run, tp);
      await untilRefresh(run, handle);
      expect(activities(run)).toEqual([
        'refreshAuthorizerToken',
        'recoverWechatRefreshToken',
        'refreshAuthorizerToken',
      ]);
      expect(tp.refreshTokensSent).toEqual(['rt-1', 'rt-listed']);
      expect(await run.token(handle)).toMatchObject({ status: 'active', accessToken: 'at-2', version: 2 });
      await untilRefresh(run, handle);
      expect(tp.refreshTokensSent).toEqual(['rt-1', 'rt-listed', 'rt-2']);
    });
  });

  it('61023 with nothing better in the list is reauth_required', async () => {
    const tp = new ScriptedTpPlatform('wechat', 'wxauthorizerlost1');
    tp.refreshOutcomes = ['rejected'];
    tp.listedRefreshToken = 'rt-1'; // the same, rejected one
    await withScriptedWorker(env, tp.script(), async (run) => {
      const handle = await authorized(run, tp);
      await untilRefresh(run, handle);
      expect(activities(run)).toEqual(['refreshAuthorizerToken', 'recoverWechatRefreshToken']);
      expect(await run.describe(handle)).toMatchObject({
        status: 'reauth_required',
        lastError: { category: 'refresh_token_invalid', code: '61023' },
      });
    });
  });
});

describe('revocation', () => {
  it.each(['wechat', 'douyin'] as const)(
    '%s: revoke makes it revoked, forgets the token, and completes',
    async (platform) => {
      const tp = new ScriptedTpPlatform(platform, `${platform.slice(0, 2)}authorizerrevoke`);
      await withScriptedWorker(env, tp.script(), async (run) => {
        const handle = await authorized(run, tp);
        await handle.signal(revokeSignal, { at: Date.now() });
        await handle.result();
        const view = await run.token(handle);
        expect(view.status).toBe('revoked');
        expect(view.accessToken).toBeUndefined();
        expect((await handle.describe()).status.name).toBe('COMPLETED');
        expect(run.calls).toEqual([]);
      });
    },
  );
});
