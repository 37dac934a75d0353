/**
 * Recognising a rejected token in whatever a caller got back (client/token-errors.ts), which is
 * what lets TokenClient.withToken report it once and retry: each platform's own envelope and error
 * codes (Douyin `{err_no}`, Baidu `{errno}` / `{error_code}`, WeChat `{errcode}`), nested answers,
 * and a classified PlatformError — and not a parameter error or another platform's code.
 */
import { isTokenRejection } from '../../../client/token-errors';
import { PlatformError } from '../../../platforms/errors';

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

it('withToken recognises a classified PlatformError carrying a WeChat token errcode', () => {
  const rejected = new PlatformError({ platform: 'wechat', category: 'token_invalid', code: '42001', message: 'x' });
  expect(isTokenRejection('wechat', rejected)).toBe(true);
  const other = new PlatformError({ platform: 'wechat', category: 'retry_later', code: '-1', message: 'busy' });
  expect(isTokenRejection('wechat', other)).toBe(false);
});
