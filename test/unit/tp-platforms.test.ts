import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { singleUseHttp } from '../../activities/tp';
import { componentSettings } from '../../client/credentials';
import { loadConfig } from '../../config/config';
import { beijingSeconds } from '../../platforms/common/json-push-envelope';
import { isTokenRejection } from '../../client/token-errors';
import { PlatformError } from '../../platforms/errors';
import { SINGLE_USE_CALL } from '../../workflows/activity-policies';
import {
  classifyRefreshFailure,
  SINGLE_USE_ACTIVITY_TIMEOUT_MS,
  SINGLE_USE_HTTP_TIMEOUT_MS,
  TP_DESCRIPTORS,
  tpDescriptor,
} from '../../workflows/tp-platforms';

describe('single-use timeouts (docs/architecture.md invariant 3)', () => {
  it('the HTTP timeout is strictly below the activity attempt, and the workflow uses exactly that attempt', () => {
    expect(SINGLE_USE_HTTP_TIMEOUT_MS).toBeLessThan(SINGLE_USE_ACTIVITY_TIMEOUT_MS);
    expect(SINGLE_USE_CALL.startToCloseTimeout).toBe(SINGLE_USE_ACTIVITY_TIMEOUT_MS);
    expect(SINGLE_USE_CALL.retry.maximumAttempts).toBe(1);
  });

  it('every single-use request gets at most the HTTP timeout, and never more than the attempt has left', () => {
    const started = 1_000_000;
    expect(singleUseHttp({ timeoutMs: 30_000 }, started, started).timeoutMs).toBe(SINGLE_USE_HTTP_TIMEOUT_MS);
    expect(singleUseHttp({ timeoutMs: 2_000 }, started, started).timeoutMs).toBe(2_000);
    // Late in the attempt (a slow component-token read): what is left, minus a margin.
    const late = singleUseHttp({ timeoutMs: 30_000 }, started, started + 6_000).timeoutMs;
    expect(6_000 + late).toBeLessThan(SINGLE_USE_ACTIVITY_TIMEOUT_MS);
    // No time left: nothing is sent, and the failure says so (not ambiguous, so the token may be retried).
    try {
      singleUseHttp({ timeoutMs: 30_000 }, started, started + 9_000);
      throw new Error('expected no_time_left');
    } catch (err) {
      expect(err).toBeInstanceOf(PlatformError);
      expect((err as PlatformError).details).toMatchObject({ code: 'no_time_left', category: 'retry_later' });
      expect((err as PlatformError).details.ambiguous).toBeUndefined();
    }
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

describe('token rejections in each envelope', () => {
  it('Douyin {err_no}: 40020 / 40009 / 40010 are token errors, 40001 (parameter) is not', () => {
    for (const code of [40020, 40009, 40010]) {
      expect(isTokenRejection('douyin', { err_no: code, err_msg: 'x', log_id: 'l' })).toBe(true);
    }
    expect(isTokenRejection('douyin', { err_no: 40001, err_msg: 'param' })).toBe(false);
    expect(isTokenRejection('douyin', { err_no: 0, data: { app_id: 'tt' } })).toBe(false);
    expect(isTokenRejection('douyin', { response: { body: { err_no: 40020 } } })).toBe(true);
    expect(
      isTokenRejection(
        'douyin',
        new PlatformError({ platform: 'douyin', category: 'token_invalid', code: '40020', message: 'expired' }),
      ),
    ).toBe(true);
  });

  it('Baidu {errno}: 44003 / 44004 are token errors, others are not', () => {
    expect(isTokenRejection('baidu', { errno: 44003, msg: 'expired' })).toBe(true);
    expect(isTokenRejection('baidu', { errno: 44004, msg: 'auth failed' })).toBe(true);
    expect(isTokenRejection('baidu', { error_code: 44004 })).toBe(true);
    expect(isTokenRejection('baidu', { errno: 40001, msg: 'param' })).toBe(false);
    expect(isTokenRejection('baidu', { errno: 0, msg: 'success', data: {} })).toBe(false);
    // A WeChat code is not a Baidu one.
    expect(isTokenRejection('baidu', { errcode: 40001 })).toBe(false);
  });
});

it('push datetimes are Beijing time', () => {
  expect(beijingSeconds('2019-01-14 12:45:10')).toBe(Date.UTC(2019, 0, 14, 4, 45, 10) / 1000);
});

it('config: Douyin and Baidu components (Baidu needs no secret); ticket validity defaults per platform, configurable', () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tc-config-')), 'config.json');
  const refs = { token: { env: 'T' }, encodingAESKey: { env: 'A' } };
  writeFileSync(
    file,
    JSON.stringify({
      components: [
        { platform: 'wechat', componentAppid: 'wxc00001', secret: { env: 'S' }, ...refs },
        { platform: 'douyin', componentAppid: 'tt000001', secret: { env: 'S2' }, ...refs },
        { platform: 'baidu', componentAppid: 'bdclient1', ...refs },
        { platform: 'baidu', componentAppid: 'bdclient2', ...refs, ticketValidityMs: 12 * 3600_000 },
      ],
    }),
  );
  const { components } = loadConfig({ TOKEN_CENTRAL_CONFIG: file });
  expect(components.map((c) => componentSettings(c).ticketValidityMs)).toEqual([
    12 * 3600_000,
    3 * 3600_000,
    3 * 3600_000,
    12 * 3600_000,
  ]);
  expect(componentSettings(components[2]!).secretRef).toBeUndefined();
  writeFileSync(file, JSON.stringify({ components: [{ platform: 'douyin', componentAppid: 'tt000001', ...refs }] }));
  expect(() => loadConfig({ TOKEN_CENTRAL_CONFIG: file })).toThrow(/secret/);
});
