/**
 * The Douyin and Baidu adapters against the sandbox over HTTP: request shapes, both error
 * envelopes, error classification, single-use refresh tokens and the ambiguous-outcome flag.
 */
import * as baidu from '../../../platforms/baidu/api';
import * as douyin from '../../../platforms/douyin/api';
import { platformErrorOf } from '../../harness/platform-error';
import { startSandbox, type SandboxHandle } from '../../../sandbox';

const http = { timeoutMs: 2_000 };
let sandbox: SandboxHandle;
beforeAll(async () => {
  sandbox = await startSandbox({ timeScale: 1, seed: 11 });
});
afterAll(async () => {
  await sandbox?.close();
});
afterEach(async () => {
  await sandbox.control.clearFaults();
});

describe('Douyin V2', () => {
  it('exchanges, refreshes once, and classifies a reused refresh token for recovery', async () => {
    const tp = await sandbox.control.createDouyinTpApp();
    const { ticket } = await sandbox.control.pushDouyinTicket(tp.componentAppid);
    const endpoint = { baseUrl: sandbox.url, componentAppid: tp.componentAppid };
    const component = await douyin.fetchComponentAccessToken({ ...endpoint, secret: tp.componentSecret, ticket }, http);
    expect(component.expiresInSeconds).toBeGreaterThan(0);

    const auth = await sandbox.control.douyinAuthorize(tp.componentAppid, {});
    const grant = await douyin.exchangeAuthorizationCode(endpoint, component.accessToken, auth.authorizationCode, http);
    expect(grant.authorizerAppid).toBe(auth.authorizerAppid);
    expect(grant.refreshExpiresInSeconds).toBeGreaterThan(2_591_990);

    const refreshed = await douyin.refreshAuthorizerToken(endpoint, component.accessToken, grant.refreshToken, http);
    expect(refreshed.refreshToken).not.toBe(grant.refreshToken);
    const reused = await platformErrorOf(
      douyin.refreshAuthorizerToken(endpoint, component.accessToken, grant.refreshToken, http),
    );
    expect(reused.details).toMatchObject({ platform: 'douyin', code: '40021', category: 'refresh_token_invalid' });
    expect(reused.message).toMatch(/log_id/);

    const recovered = await douyin.retrieveAuthorizationCode(
      endpoint,
      component.accessToken,
      grant.authorizerAppid,
      http,
    );
    const again = await douyin.exchangeAuthorizationCode(
      endpoint,
      component.accessToken,
      recovered.authorizationCode,
      http,
    );
    expect(again.authorizerAppid).toBe(grant.authorizerAppid);
  });

  it('reads the flat error of the component token API and marks a dropped answer ambiguous', async () => {
    const tp = await sandbox.control.createDouyinTpApp();
    const { ticket } = await sandbox.control.pushDouyinTicket(tp.componentAppid);
    const endpoint = { baseUrl: sandbox.url, componentAppid: tp.componentAppid };
    const badSecret = await platformErrorOf(
      douyin.fetchComponentAccessToken({ ...endpoint, secret: 'wrong', ticket }, http),
    );
    expect(badSecret.details).toMatchObject({ category: 'credential_invalid', code: '40038' });

    await sandbox.control.addFault({ path: '/openapi/v2/auth/tp/token/', kind: 'drop_response', times: 1 });
    const dropped = await platformErrorOf(
      douyin.fetchComponentAccessToken({ ...endpoint, secret: tp.componentSecret, ticket }, http),
    );
    expect(dropped.details).toMatchObject({ category: 'retry_later', ambiguous: true });
  });
});

describe('Baidu', () => {
  it('exchanges, resolves the app id through app info, refreshes once, and reads OAuth errors', async () => {
    const tp = await sandbox.control.createBaiduTpApp();
    const { ticket } = await sandbox.control.pushBaiduTicket(tp.clientId);
    const endpoint = { baseUrl: sandbox.url };
    const tpToken = await baidu.fetchTpAccessToken({ ...endpoint, clientId: tp.clientId, ticket }, http);
    expect(tpToken.expiresInSeconds).toBeGreaterThan(2_591_990);

    const auth = await sandbox.control.baiduAuthorize(tp.clientId, {});
    const grant = await baidu.exchangeAuthorizationCode(endpoint, tpToken.accessToken, auth.authorizationCode, http);
    expect(grant.expiresInSeconds).toBeGreaterThan(3590);
    expect((await baidu.fetchAppInfo(endpoint, grant.accessToken, http)).appId).toBe(String(auth.appId));

    const refreshed = await baidu.refreshAuthorizerToken(endpoint, tpToken.accessToken, grant.refreshToken, http);
    expect(refreshed.refreshToken).not.toBe(grant.refreshToken);
    const reused = await platformErrorOf(
      baidu.refreshAuthorizerToken(endpoint, tpToken.accessToken, grant.refreshToken, http),
    );
    expect(reused.details).toMatchObject({ platform: 'baidu', category: 'refresh_token_invalid' });

    const expiredToken = await platformErrorOf(baidu.fetchAppInfo(endpoint, grant.accessToken, http));
    expect(expiredToken.details.category).toBe('token_invalid');

    const recovered = await baidu.retrieveAuthorizationCode(endpoint, tpToken.accessToken, String(auth.appId), http);
    const again = await baidu.exchangeAuthorizationCode(
      endpoint,
      tpToken.accessToken,
      recovered.authorizationCode,
      http,
    );
    expect((await baidu.fetchAppInfo(endpoint, again.accessToken, http)).appId).toBe(String(auth.appId));
  });

  it('classifies an unknown client as a configuration error', async () => {
    const err = await platformErrorOf(
      baidu.fetchTpAccessToken({ baseUrl: sandbox.url, clientId: 'nobody', ticket: 't' }, http),
    );
    expect(err.details.category).toBe('credential_invalid');
  });
});
