/**
 * The WeChat Open Platform's authorization page links (platforms/wechat/component.ts): the PC page
 * (`componentloginpage`, with `auth_type`) and the H5 page (`bindcomponent`, with `biz_appid`), the
 * redirect URI carried intact, and the two options refused together.
 */
import { authorizationPageUrl } from '../../../platforms/wechat/component';

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
