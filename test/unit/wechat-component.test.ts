import { isTokenRejection } from '../../client/token-errors';
import { PlatformError } from '../../platforms/errors';
import { ReplayGuard } from '../../gateway/routes/push';
import { authorizationPageUrl } from '../../platforms/wechat/component';
import { ticketState } from '../../workflows/component-token';

const settings = { secretRef: { env: 'X' }, ticketValidityMs: 12_000, staleTicketAfterMs: 3_000 };

it('ticket state: missing, fresh, stale after the silence, expired after its validity', () => {
  expect(ticketState(undefined, settings, 0)).toBe('missing');
  const ticket = { value: 'ticket@@@x', receivedAt: 1_000 };
  expect(ticketState(ticket, settings, 3_999)).toBe('fresh');
  expect(ticketState(ticket, settings, 4_000)).toBe('stale');
  expect(ticketState(ticket, settings, 13_000)).toBe('expired');
});

it('replay guard refuses a signature within its window, forgets it after, and can release it', () => {
  const guard = new ReplayGuard();
  expect(guard.claim('a', 2_000, 1_000)).toBe(true);
  expect(guard.claim('a', 2_000, 1_500)).toBe(false);
  expect(guard.claim('a', 3_000, 2_000)).toBe(true);
  guard.release('a');
  expect(guard.claim('a', 3_000, 2_100)).toBe(true);
});

it('authorization page URLs: PC with auth_type, H5 with biz_appid, never both', () => {
  const base = { pageBaseUrl: 'https://mp.weixin.qq.com', componentAppid: 'wxc', preAuthCode: 'p@@@1' };
  const pc = new URL(authorizationPageUrl({ ...base, variant: 'pc', redirectUri: 'https://x/cb?a=1&b=2' }));
  expect(pc.pathname).toBe('/cgi-bin/componentloginpage');
  expect(pc.searchParams.get('redirect_uri')).toBe('https://x/cb?a=1&b=2');
  expect(pc.searchParams.get('auth_type')).toBe('3');
  const h5 = new URL(authorizationPageUrl({ ...base, variant: 'h5', redirectUri: 'https://x/cb', bizAppid: 'wxb' }));
  expect(h5.pathname).toBe('/safe/bindcomponent');
  expect(h5.searchParams.get('action')).toBe('bindcomponent');
  expect(h5.searchParams.get('no_scan')).toBe('1');
  expect(h5.searchParams.get('biz_appid')).toBe('wxb');
  expect(h5.searchParams.has('auth_type')).toBe(false);
  expect(h5.hash).toBe('#wechat_redirect');
  expect(() =>
    authorizationPageUrl({ ...base, variant: 'pc', redirectUri: 'https://x', authType: 1, bizAppid: 'wxb' }),
  ).toThrow('mutually exclusive');
});

it('withToken recognises a classified PlatformError carrying a WeChat token errcode', () => {
  const rejected = new PlatformError({ platform: 'wechat', category: 'token_invalid', code: '42001', message: 'x' });
  expect(isTokenRejection('wechat', rejected)).toBe(true);
  const other = new PlatformError({ platform: 'wechat', category: 'retry_later', code: '-1', message: 'busy' });
  expect(isTokenRejection('wechat', other)).toBe(false);
});
