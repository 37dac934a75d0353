/**
 * Refresh-token recovery as pure decisions (workflows/refresh-token-recovery.ts, invariant 3): a
 * single-use refresh token is never sent twice — rejected or ambiguous outcomes are recovered by
 * retrieving a code and exchanging it, certain non-sends retry — with recovery failures counted up
 * to reauth_required; grants exchanged elsewhere; WeChat's authorizer-list lookup; what operators
 * see; and the state carried over continue-as-new.
 */
import { initialState, recordFailure, recordSuccess } from '../../../workflows/credential-state';
import { classifyDouyinError } from '../../../platforms/douyin/errors';
import { classifyWechatError } from '../../../platforms/wechat/errors';
import type { AuthorizerGrant } from '../../../workflows/messages';
import {
  grantReceived,
  initialRefreshTokenState,
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
  type FailureFacts,
  type PlatformFailure,
  type RefreshTokenState,
} from '../../../workflows/refresh-token-recovery';
import { MAX_DEFINITIVE_RECOVERY_FAILURES, tpDescriptor } from '../../../workflows/tp-platforms';

const NOW = 1_800_000_000_000;
const wechat = tpDescriptor('wechat');
const douyin = tpDescriptor('douyin');
const baidu = tpDescriptor('baidu');

function holding(refreshToken = 'R1', funcInfo: RefreshTokenState['funcInfo'] = [1, 2]): RefreshTokenState {
  return { ...initialRefreshTokenState(), refreshToken, funcInfo };
}

/** The credential status a failure leads to (the entity records it with recordFailure). */
function statusAfter(failure: PlatformFailure) {
  const active = recordSuccess(initialState(), { accessToken: 'A1', expiresInMs: 7_200_000, latencyMs: 0 }, NOW, {
    passive: false,
    forced: false,
  });
  return recordFailure(active, { at: NOW, ...failure }, NOW).status;
}

const rejected: FailureFacts = { category: 'refresh_token_invalid', code: '40021', message: 'refresh token invalid' };
const dropped: FailureFacts = { category: 'retry_later', code: 'network', message: 'socket hang up', ambiguous: true };
const workerDied: FailureFacts = {
  category: 'retry_later',
  code: 'activity_timeout',
  message: 'activity StartToClose timeout',
  activityTimeout: true,
};
const busy: FailureFacts = { category: 'retry_later', code: '40000', message: 'system busy' };
const notSent: FailureFacts = { category: 'retry_later', code: 'no_time_left', message: 'budget spent' };

/** A single-use authorizer whose refresh was rejected or lost: recovery pending. */
function pending(facts = dropped): RefreshTokenState {
  return refreshFailed(holding(), facts, douyin).state;
}

describe('refresh-token recovery', () => {
  describe('single-use refresh tokens (Douyin, Baidu)', () => {
    it('sends the held refresh token and keeps the one that comes back', () => {
      expect(planRefresh(holding('R1'), douyin)).toEqual({ step: 'refresh', refreshToken: 'R1' });
      const next = refreshSucceeded(holding('R1'), 'R2');
      expect(planRefresh(next, douyin)).toEqual({ step: 'refresh', refreshToken: 'R2' });
    });

    it('a rejected refresh token is recovered, never sent again', () => {
      const { state, next } = refreshFailed(holding(), rejected, douyin);
      expect(next).toBe('recover');
      expect(state.refreshToken).toBeUndefined();
      expect(state.pendingRecovery).toBe('refresh token rejected (40021)');
      expect(planRefresh(state, douyin)).toEqual({ step: 'recover' });
    });

    it('an ambiguous refresh (answer lost) is recovered, never re-sent', () => {
      const { state, next } = refreshFailed(holding(), dropped, baidu);
      expect(next).toBe('recover');
      expect(state.refreshToken).toBeUndefined();
      expect(state.pendingRecovery).toBe('ambiguous refresh (network)');
    });

    it('an activity timeout (the worker died mid-call) is ambiguous too', () => {
      const { state, next } = refreshFailed(holding(), workerDied, douyin);
      expect(next).toBe('recover');
      expect(state.refreshToken).toBeUndefined();
      expect(state.pendingRecovery).toBe('ambiguous refresh (activity timed out)');
    });

    it('a failure that certainly sent nothing, a busy answer or a token error retries the same refresh token', () => {
      const tokenError: FailureFacts = { category: 'token_invalid', code: '40009', message: 'component token' };
      for (const facts of [notSent, busy, tokenError]) {
        const before = holding('R1');
        const { state, next } = refreshFailed(before, facts, douyin);
        expect(next).toBe('retry');
        expect(state).toBe(before);
        expect(planRefresh(state, douyin)).toEqual({ step: 'refresh', refreshToken: 'R1' });
      }
    });

    it('a new refresh failure starts the definitive-failure count afresh', () => {
      const failedBefore = { ...holding(), definitiveRecoveryFailures: 3 };
      expect(refreshFailed(failedBefore, rejected, douyin).state.definitiveRecoveryFailures).toBe(0);
    });

    it('without a refresh token, recovery starts at once', () => {
      expect(planRefresh(initialRefreshTokenState(), baidu)).toEqual({ step: 'recover' });
      const { state, label } = recoveryStarted(initialRefreshTokenState());
      expect(state).toMatchObject({ recoveries: 1, pendingRecovery: 'no refresh token held' });
      expect(label).toBe('recovery #1: no refresh token held');
    });

    it('each recovery attempt is counted and named by its reason', () => {
      const first = recoveryStarted(pending());
      expect(first.label).toBe('recovery #1: ambiguous refresh (network)');
      expect(recoveryStarted(first.state).label).toBe('recovery #2: ambiguous refresh (network)');
    });
  });

  describe('recovery steps (retrieve a code, exchange it)', () => {
    it('"no authorization" from the platform means reauth_required at once', () => {
      for (const [descriptor, code] of [
        [douyin, '40022'],
        [douyin, '40004'],
        [baidu, '50032'],
      ] as const) {
        const facts = { category: 'refresh_token_invalid', code, message: 'no authorization' };
        const { state, failure } = recoveryStepFailed(pending(), 'retrieve', facts, NOW, descriptor);
        expect(failure).toEqual({ category: 'refresh_token_invalid', code, message: 'retrieve: no authorization' });
        expect(statusAfter(failure)).toBe('reauth_required');
        expect(state.pendingRecovery).toBeUndefined();
        expect(state.lastRecovery).toEqual({
          at: NOW,
          reason: 'ambiguous refresh (network)',
          outcome: `retrieve: authorization gone (${code})`,
        });
      }
    });

    it('transient failures (timeouts, busy, quota, our component token) back off without counting', () => {
      const transient: FailureFacts[] = [
        workerDied,
        busy,
        { category: 'quota_exhausted', code: '50029', message: 'quota' },
        { category: 'token_invalid', code: '40009', message: 'component token' },
      ];
      let state = pending();
      for (let i = 0; i < 3 * MAX_DEFINITIVE_RECOVERY_FAILURES; i++) {
        const facts = transient[i % transient.length];
        const outcome = recoveryStepFailed(state, 'exchange', facts, NOW, douyin);
        state = outcome.state;
        expect(outcome.failure).toEqual({
          category: facts.category,
          code: facts.code,
          message: `recovery exchange: ${facts.message}`,
        });
        expect(statusAfter(outcome.failure)).not.toBe('reauth_required');
      }
      expect(state.definitiveRecoveryFailures).toBe(0);
      expect(state.pendingRecovery).toBe('ambiguous refresh (network)');
    });

    it(`failures the platform answered count, and the ${MAX_DEFINITIVE_RECOVERY_FAILURES}th is recovery_failed`, () => {
      const answered: FailureFacts = { category: 'ticket_invalid', code: '40037', message: 'ticket' };
      let state = pending();
      for (let i = 1; i < MAX_DEFINITIVE_RECOVERY_FAILURES; i++) {
        const outcome = recoveryStepFailed(state, 'retrieve', answered, NOW + i, douyin);
        state = outcome.state;
        expect(state.definitiveRecoveryFailures).toBe(i);
        expect(outcome.failure.category).toBe('ticket_invalid');
        expect(state.lastRecovery).toEqual({
          at: NOW + i,
          reason: 'ambiguous refresh (network)',
          outcome: 'retrieve failed (40037)',
        });
      }
      const last = recoveryStepFailed(state, 'exchange', answered, NOW, douyin);
      expect(last.failure).toEqual({
        category: 'refresh_token_invalid',
        code: 'recovery_failed',
        message: `recovery failed ${MAX_DEFINITIVE_RECOVERY_FAILURES} times, last exchange: 40037`,
      });
      expect(statusAfter(last.failure)).toBe('reauth_required');
    });

    it('a configuration error during recovery counts, but is retried rather than parked as credential_invalid', () => {
      const misconfigured: FailureFacts = { category: 'credential_invalid', code: 'invalid_client', message: 'client' };
      const { state, failure } = recoveryStepFailed(pending(), 'retrieve', misconfigured, NOW, baidu);
      expect(state.definitiveRecoveryFailures).toBe(1);
      expect(failure).toEqual({
        category: 'retry_later',
        code: 'invalid_client',
        message: 'recovery retrieve: client',
      });
    });

    it('a rejected retrieved code counts towards the maximum instead of parking the credential at once', () => {
      // docs/architecture.md invariant 3: reauth_required only when the authorization is gone or
      // recovery failed MAX_DEFINITIVE_RECOVERY_FAILURES times on platform answers.
      const codeUsed: FailureFacts = { category: 'refresh_token_invalid', code: '40012', message: 'code used' };
      let state = pending();
      for (let i = 1; i < MAX_DEFINITIVE_RECOVERY_FAILURES; i++) {
        const outcome = recoveryStepFailed(state, 'exchange', codeUsed, NOW, douyin);
        state = outcome.state;
        expect(state.definitiveRecoveryFailures).toBe(i);
        expect(outcome.failure).toEqual({
          category: 'retry_later',
          code: '40012',
          message: 'recovery exchange: code used',
        });
        expect(statusAfter(outcome.failure)).not.toBe('reauth_required');
      }
      const last = recoveryStepFailed(state, 'exchange', codeUsed, NOW, douyin);
      expect(last.failure).toMatchObject({ category: 'refresh_token_invalid', code: 'recovery_failed' });
      expect(statusAfter(last.failure)).toBe('reauth_required');
    });

    it('a successful exchange recovers: new refresh token, failures reset, outcome recorded', () => {
      const failedOnce = recoveryStepFailed(
        pending(),
        'exchange',
        { category: 'ticket_invalid', code: 'x', message: '' },
        NOW,
        douyin,
      ).state;
      expect(failedOnce.definitiveRecoveryFailures).toBe(1);
      const outcome = recovered(
        failedOnce,
        { accessToken: 'A2', expiresInMs: 7_200_000, latencyMs: 30, refreshToken: 'R2', funcInfo: [7] },
        NOW + 5,
        douyin,
      );
      expect('obtained' in outcome && outcome.obtained).toEqual({
        accessToken: 'A2',
        expiresInMs: 7_200_000,
        latencyMs: 30,
      });
      expect(outcome.state).toMatchObject({
        refreshToken: 'R2',
        funcInfo: [7],
        pendingRecovery: undefined,
        definitiveRecoveryFailures: 0,
        lastRecovery: { at: NOW + 5, reason: 'ambiguous refresh (network)', outcome: 'recovered' },
      });
      expect(planRefresh(outcome.state, douyin)).toEqual({ step: 'refresh', refreshToken: 'R2' });
    });

    it('an exchange without permissions (Baidu) keeps the ones held', () => {
      const grant = { accessToken: 'A2', expiresInMs: 3_600_000, latencyMs: 0, refreshToken: 'R2', funcInfo: [] };
      expect(recovered(pending(), grant, NOW, baidu).state.funcInfo).toEqual([1, 2]);
    });

    it('an exchange answer without tokens is a transient failure, not a recovery', () => {
      const outcome = recovered(
        pending(),
        { accessToken: 'A2', expiresInMs: 7_200_000, latencyMs: 0, funcInfo: [] },
        NOW,
        douyin,
      );
      expect('failure' in outcome && outcome.failure).toEqual({
        category: 'retry_later',
        code: 'incomplete_grant',
        message: 'recovery exchange: exchange answer without tokens',
      });
      expect(outcome.state).toMatchObject({
        definitiveRecoveryFailures: 0,
        pendingRecovery: 'ambiguous refresh (network)',
      });
      expect(outcome.state.refreshToken).toBeUndefined();
    });
  });

  describe('grants (an authorization exchanged elsewhere)', () => {
    const grant: AuthorizerGrant = {
      accessToken: 'A9',
      expiresInMs: 7_200_000,
      latencyMs: 12,
      refreshToken: 'R9',
      funcInfo: [3],
      source: 'updateauthorized',
    };

    it('a grant with a refresh token ends any recovery and is accepted', () => {
      const failing = { ...pending(), definitiveRecoveryFailures: 4 };
      const received = grantReceived(failing, grant, douyin);
      expect(received).toEqual({
        effect: 'accept',
        obtained: { accessToken: 'A9', expiresInMs: 7_200_000, latencyMs: 12 },
        state: expect.objectContaining({
          refreshToken: 'R9',
          funcInfo: [3],
          pendingRecovery: undefined,
          definitiveRecoveryFailures: 0,
          recoverNow: false,
        }),
      });
      expect(planRefresh(received.state, douyin)).toEqual({ step: 'refresh', refreshToken: 'R9' });
    });

    it('a grant without tokens only replaces the permissions', () => {
      const received = grantReceived(
        holding('R1', [1]),
        { funcInfo: [4, 5], latencyMs: 0, source: 'redirect' },
        wechat,
      );
      expect(received.effect).toBe('publish');
      expect(received.state).toMatchObject({ refreshToken: 'R1', funcInfo: [4, 5] });
    });

    it('a grant with tokens but no permissions (Baidu app-info lookup failed) keeps the permissions held', () => {
      const received = grantReceived(
        holding('R1', ['smartapp_snsapi_base']),
        {
          accessToken: 'A3',
          expiresInMs: 3_600_000,
          latencyMs: 0,
          refreshToken: 'R3',
          funcInfo: [],
          source: 'redirect',
        },
        baidu,
      );
      expect(received.effect).toBe('accept');
      expect(received.state).toMatchObject({ refreshToken: 'R3', funcInfo: ['smartapp_snsapi_base'] });
    });

    it('a grant whose exchange was ambiguous starts recovery at once (single use)', () => {
      const ambiguous = { funcInfo: [], latencyMs: 0, source: 'authorized', recover: 'ambiguous exchange (network)' };
      const received = grantReceived(holding('R1', [1]), ambiguous, douyin);
      expect(received.effect).toBe('recover');
      expect(received.state).toMatchObject({
        refreshToken: undefined,
        funcInfo: [1],
        pendingRecovery: 'ambiguous exchange (network)',
        recoverNow: true,
      });
      expect(planRefresh(received.state, douyin)).toEqual({ step: 'recover' });
      expect(recoveryStarted(received.state).label).toBe('recovery #1: ambiguous exchange (network)');
      expect(recoverNowTaken(received.state).recoverNow).toBe(false);
      // A later grant of the same batch with a refresh token makes the recovery unnecessary.
      expect(grantReceived(received.state, grant, douyin).state).toMatchObject({
        recoverNow: false,
        pendingRecovery: undefined,
      });
    });

    it('a refresh token alone (WeChat, read from the authorizer list after an ambiguous exchange) is refreshed with at once', () => {
      const received = grantReceived(
        initialRefreshTokenState(),
        { funcInfo: [], latencyMs: 0, source: 'authorized', refreshToken: 'listed' },
        wechat,
      );
      expect(received.effect).toBe('publish');
      expect(received.state).toMatchObject({ refreshToken: 'listed', recoverNow: true });
      expect(planRefresh(received.state, wechat)).toEqual({ step: 'refresh', refreshToken: 'listed' });
      expect(grantReceived(received.state, grant, wechat).state.recoverNow).toBe(false);
    });

    it('WeChat has no code retrieval: a grant asking for recovery is an ordinary grant', () => {
      const received = grantReceived(
        holding('R1'),
        { funcInfo: [], latencyMs: 0, source: 'authorized', recover: 'x' },
        wechat,
      );
      expect(received.effect).toBe('publish');
      expect(received.state).toMatchObject({ refreshToken: 'R1', recoverNow: false });
    });
  });

  describe('the authorization is gone (WeChat 61003, Douyin 40004): one confirming check, then reauth_required', () => {
    const facts = (platform: 'wechat' | 'douyin', code: number): FailureFacts => {
      const category = platform === 'wechat' ? classifyWechatError(code) : classifyDouyinError(code);
      return { category, code: String(code), message: 'authorization gone' };
    };

    it('WeChat 61003 on refresh looks in the authorizer list once; nothing better there stands as reauth_required', () => {
      const first = refreshFailed(holding('R1'), facts('wechat', 61003), wechat);
      expect(first.next).toBe('recover');
      const checked = wechatRefreshTokenRecovered(first.state, 'R1');
      expect(checked.retryWith).toBeUndefined();
      expect(statusAfter(facts('wechat', 61003))).toBe('reauth_required');
    });

    it('Douyin 40004 on refresh is recovered; retrieval answering 40004 confirms it: reauth_required at once', () => {
      const first = refreshFailed(holding('R1'), facts('douyin', 40004), douyin);
      expect(first).toMatchObject({ next: 'recover', state: { refreshToken: undefined } });
      const confirmed = recoveryStepFailed(first.state, 'retrieve', facts('douyin', 40004), NOW, douyin);
      expect(confirmed.failure).toMatchObject({ category: 'refresh_token_invalid', code: '40004' });
      expect(statusAfter(confirmed.failure)).toBe('reauth_required');
    });
  });

  describe('WeChat (authorizer list)', () => {
    it('without a refresh token there is nothing to send: refresh_token_invalid', () => {
      const plan = planRefresh(initialRefreshTokenState(), wechat);
      expect(plan).toEqual({
        step: 'fail',
        failure: { category: 'refresh_token_invalid', code: 'no_refresh_token', message: 'no refresh token held' },
      });
      expect(plan.step === 'fail' && statusAfter(plan.failure)).toBe('reauth_required');
    });

    it('a rejected refresh token (61023) is looked up in the list; other failures retry; nothing is forgotten', () => {
      const before = holding('R1');
      const facts = { category: 'refresh_token_invalid', code: '61023', message: 'invalid refresh token' };
      expect(refreshFailed(before, facts, wechat)).toEqual({ state: before, next: 'recover' });
      expect(refreshFailed(before, dropped, wechat)).toEqual({ state: before, next: 'retry' });
    });

    it('a different refresh token from the list is adopted and sent once more', () => {
      const { state, retryWith } = wechatRefreshTokenRecovered(holding('R1'), 'R2');
      expect(retryWith).toBe('R2');
      expect(state).toMatchObject({ refreshToken: 'R2', recoveries: 1 });
    });

    it('the same refresh token, or none, in the list: the rejection stands', () => {
      for (const listed of ['R1', undefined]) {
        const before = holding('R1');
        expect(wechatRefreshTokenRecovered(before, listed)).toEqual({ state: before });
      }
    });
  });

  describe('what operators see', () => {
    it('single use: recoveries, the pending reason and the last recovery', () => {
      const done = recovered(
        recoveryStarted(pending()).state,
        { accessToken: 'A2', expiresInMs: 1, latencyMs: 0, refreshToken: 'R2', funcInfo: [] },
        NOW,
        douyin,
      ).state;
      expect(refreshTokenSettings(done, douyin)).toEqual({
        permissions: '1, 2',
        'refresh token': 'single use',
        'refresh-token recoveries': 1,
        'recovery pending': '—',
        'recovery failures': 0,
        'last recovery': `ambiguous refresh (network) → recovered (${new Date(NOW).toISOString()})`,
      });
    });

    it('WeChat: reusable refresh token, no recovery bookkeeping', () => {
      expect(refreshTokenSettings({ ...initialRefreshTokenState(), recoveries: 2 }, wechat)).toEqual({
        permissions: '—',
        'refresh token': 'reusable',
        'refresh-token recoveries': 2,
      });
    });
  });

  describe('continue-as-new', () => {
    it('carries one state object over', () => {
      const state = { credential: initialState(), refreshToken: pending() };
      expect(restoreAuthorizerState({ state })).toBe(state);
    });

    it('reads the field-by-field input of runs started before', () => {
      const credential = { ...initialState(), version: 4 };
      const lastRecovery = { at: NOW, reason: 'r', outcome: 'recovered' };
      expect(
        restoreAuthorizerState({
          state: credential,
          refreshToken: 'R1',
          funcInfo: [1],
          recoveries: 2,
          recoveryReason: 'ambiguous refresh (network)',
          recoveryFailures: 3,
          lastRecovery,
        }),
      ).toEqual({
        credential,
        refreshToken: {
          refreshToken: 'R1',
          funcInfo: [1],
          recoveries: 2,
          pendingRecovery: 'ambiguous refresh (network)',
          definitiveRecoveryFailures: 3,
          lastRecovery,
          recoverNow: false,
        },
      });
    });

    it('starts a new run empty', () => {
      expect(restoreAuthorizerState({})).toEqual({
        credential: initialState(),
        refreshToken: initialRefreshTokenState(),
      });
    });
  });
});
