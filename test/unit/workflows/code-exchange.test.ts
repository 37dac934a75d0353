/**
 * Who retries an authorization-code exchange, and when (workflows/code-exchange.ts;
 * docs/architecture.md, exactly-once rules): only a code certainly not consumed goes again, with
 * backoff and while it can still be valid; an ambiguous outcome recovers; a definite answer fails.
 */
import {
  AUTH_CODE_LIFETIME_MS,
  decideExchangeFailure,
  exchangeRetryDelayMs,
  type ExchangeFailure,
} from '../../../workflows/code-exchange';

const platformError = (category: string, code: string, extra: Partial<ExchangeFailure> = {}): ExchangeFailure => ({
  platformError: true,
  category,
  code,
  ...extra,
});

describe('code exchange failures', () => {
  it('retries what certainly did not consume the code: nothing sent, busy, quota, our component token', () => {
    for (const failure of [
      { platformError: false, category: 'retry_later', code: 'ComponentTokenUnavailable' },
      platformError('retry_later', 'network', { ambiguous: false }), // connection refused before sending
      platformError('retry_later', 'no_time_left'),
      platformError('retry_later', '-1'), // WeChat busy
      platformError('retry_later', '40000'), // Douyin system error
      platformError('retry_later', 'temporarily_unavailable'), // Baidu 503
      platformError('quota_exhausted', '45009'),
      platformError('token_invalid', '40010'),
    ]) {
      expect(decideExchangeFailure(failure, 1, 0, 'douyin')).toEqual({ next: 'retry', delayMs: 1_000 });
    }
  });

  it('never re-sends after an ambiguous outcome: answer lost or garbled, 5xx, activity timeout, unknown failure', () => {
    for (const failure of [
      platformError('retry_later', 'timeout', { ambiguous: true }),
      platformError('retry_later', 'malformed', { ambiguous: true }),
      platformError('retry_later', 'http_502', { ambiguous: true }),
      platformError('retry_later', 'network', { ambiguous: true }), // reset after sending
      { platformError: false, category: 'retry_later', code: 'activity_timeout', activityTimeout: true },
      { platformError: false, category: 'retry_later', code: 'TypeError' }, // cannot tell whether it was sent
    ]) {
      for (const platform of ['wechat', 'douyin', 'baidu'] as const) {
        expect(decideExchangeFailure(failure, 1, 0, platform)).toEqual({ next: 'recover' });
      }
    }
  });

  it('fails on a definite answer: code used, expired or unknown; configuration', () => {
    for (const failure of [
      platformError('refresh_token_invalid', '61010'),
      platformError('refresh_token_invalid', '40018'),
      platformError('refresh_token_invalid', 'invalid_grant'),
      platformError('credential_invalid', '40001'),
    ]) {
      expect(decideExchangeFailure(failure, 1, 0, 'wechat')).toEqual({ next: 'fail' });
    }
  });

  it('backs off from 1 s doubling to 30 s, and stops once the code could no longer work', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(exchangeRetryDelayMs)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
    ]);
    const busy = platformError('retry_later', '-1');
    expect(decideExchangeFailure(busy, 5, AUTH_CODE_LIFETIME_MS.wechat - 20_000, 'wechat')).toEqual({
      next: 'retry',
      delayMs: 16_000,
    });
    expect(decideExchangeFailure(busy, 6, AUTH_CODE_LIFETIME_MS.wechat - 20_000, 'wechat')).toEqual({ next: 'fail' });
    expect(AUTH_CODE_LIFETIME_MS).toEqual({ wechat: 600_000, douyin: 3_600_000, baidu: 3_600_000 });
  });
});
