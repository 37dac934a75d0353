/**
 * The third-party platform descriptors (workflows/tp-platforms.ts): how WeChat, Douyin and Baidu
 * differ, held as data the workflows read (single-use refresh tokens, recovery path, ticket
 * validity, refresh policy); the single-use call budget (the HTTP timeout strictly inside one
 * activity attempt, invariant 3); and how a failed refresh is classified — recover, never re-send
 * after an ambiguous outcome, or retry. How a request spends that budget is in
 * test/unit/activities/tp.test.ts.
 */
import { SINGLE_USE_CALL } from '../../../workflows/activity-policies';
import {
  classifyRefreshFailure,
  SINGLE_USE_ACTIVITY_TIMEOUT_MS,
  SINGLE_USE_HTTP_TIMEOUT_MS,
  TP_DESCRIPTORS,
  tpDescriptor,
} from '../../../workflows/tp-platforms';

describe('single-use timeouts (docs/architecture.md invariant 3)', () => {
  it('the HTTP timeout is strictly below the activity attempt, and the workflow uses exactly that attempt', () => {
    expect(SINGLE_USE_HTTP_TIMEOUT_MS).toBeLessThan(SINGLE_USE_ACTIVITY_TIMEOUT_MS);
    expect(SINGLE_USE_CALL.startToCloseTimeout).toBe(SINGLE_USE_ACTIVITY_TIMEOUT_MS);
    expect(SINGLE_USE_CALL.retry.maximumAttempts).toBe(1);
  });
});

describe('refresh outcomes', () => {
  it('rejected → recover; ambiguous or activity timeout → recover, never re-send; not sent or busy → retry', () => {
    expect(classifyRefreshFailure({ category: 'refresh_token_invalid' })).toBe('rejected');
    expect(classifyRefreshFailure({ category: 'retry_later', ambiguous: true })).toBe('ambiguous');
    expect(classifyRefreshFailure({ category: 'retry_later', activityTimeout: true })).toBe('ambiguous');
    expect(classifyRefreshFailure({ category: 'retry_later', ambiguous: false })).toBe('retry');
    expect(classifyRefreshFailure({ category: 'token_invalid' })).toBe('retry');
  });
});

describe('platform descriptors', () => {
  it('hold the differences as data', () => {
    expect(tpDescriptor('wechat')).toMatchObject({ singleUseRefreshToken: false, recovery: 'authorizer_list' });
    expect(tpDescriptor('douyin')).toMatchObject({
      singleUseRefreshToken: true,
      recovery: 'retrieve_code',
      ticketValidityMs: 3 * 3600_000,
      redirectCodeParam: 'authorization_code',
    });
    expect(tpDescriptor('baidu')).toMatchObject({
      singleUseRefreshToken: true,
      authorizerAppidSource: 'event_or_app_info',
      ticketValidityMs: 3 * 3600_000,
    });
    expect(TP_DESCRIPTORS.wechat.ticketValidityMs).toBe(12 * 3600_000);
    expect(tpDescriptor('douyin').noAuthorizationCodes).toEqual(expect.arrayContaining(['40022', '40004']));
    expect(tpDescriptor('baidu').noAuthorizationCodes).toEqual(['50032']);
    // Baidu's one-hour tokens are refreshed about every 50 minutes.
    const { marginFraction, jitterFraction } = tpDescriptor('baidu').authorizerPolicy;
    expect((1 - marginFraction - jitterFraction) * 60).toBeGreaterThanOrEqual(49);
    expect((1 - marginFraction) * 60).toBeLessThanOrEqual(52);
  });
});
