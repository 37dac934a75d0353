/**
 * The sandbox's record of single-use values presented (GET /__sandbox/single-use), which
 * bench:chaos judges from: each Douyin/Baidu refresh token and authorization code presentation with
 * what the value was at that moment — fresh, already used (a second use), superseded unused, unknown.
 */
import { request } from 'undici';
import { startSandbox, type SandboxHandle } from '../../sandbox';
import { BAIDU_PATHS } from '../../sandbox/baidu/api-routes';
import { DOUYIN_PATHS } from '../../sandbox/douyin/api-routes';

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startSandbox({ manualClock: true, seed: 3 });
});
afterAll(async () => sandbox.close());
beforeEach(async () => {
  await sandbox.control.reset();
});

async function get(path: string, query: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await request(`${sandbox.url}${path}?${new URLSearchParams(query)}`, { headers });
  return (await response.body.json()) as Record<string, unknown> & { data?: Record<string, string> };
}

it('Douyin: a code and a refresh token presented twice are recorded as used the second time', async () => {
  const tp = await sandbox.control.createDouyinTpApp({ startTickets: false });
  const { ticket } = await sandbox.control.pushDouyinTicket(tp.componentAppid);
  const ctoken = (await get(DOUYIN_PATHS.componentToken, {
    component_appid: tp.componentAppid,
    component_appsecret: tp.componentSecret,
    component_ticket: ticket,
  })) as { component_access_token: string };
  const headers = { 'access-token': ctoken.component_access_token };
  const { authorizationCode } = await sandbox.control.douyinAuthorize(tp.componentAppid, { authorizerAppid: 'ttone' });
  const exchange = () =>
    get(
      DOUYIN_PATHS.authToken,
      { grant_type: 'app_to_tp_authorization_code', authorization_code: authorizationCode },
      headers,
    );
  const first = await exchange();
  await exchange();
  const refreshToken = first.data!.authorizer_refresh_token!;
  const refresh = (value: string) =>
    get(DOUYIN_PATHS.authToken, { grant_type: 'app_to_tp_refresh_token', authorizer_refresh_token: value }, headers);
  await refresh(refreshToken);
  await refresh(refreshToken);
  await refresh('isvrft.never-issued');

  const { presentations } = await sandbox.control.singleUse({ platform: 'douyin' });
  expect(presentations.map((p) => [p.kind, p.state, p.accepted, p.authorizerAppid])).toEqual([
    ['authorization_code', 'fresh', true, 'ttone'],
    ['authorization_code', 'used', false, 'ttone'],
    ['refresh_token', 'fresh', true, 'ttone'],
    ['refresh_token', 'used', false, 'ttone'],
    ['refresh_token', 'unknown', false, null],
  ]);
  // Values are never logged whole.
  expect(presentations.every((p) => p.valuePrefix.length <= 12)).toBe(true);
  expect((await sandbox.control.singleUse({ platform: 'douyin', appid: 'ttone' })).total).toBe(4);
});

it('Baidu: a refresh token replaced by a newer code exchange is recorded as superseded', async () => {
  const tp = await sandbox.control.createBaiduTpApp({ startTickets: false });
  const { ticket } = await sandbox.control.pushBaiduTicket(tp.clientId);
  const tpToken = (await get(BAIDU_PATHS.tpToken, { client_id: tp.clientId, ticket })).data!.access_token!;
  const exchange = async (code: string) =>
    (await get(BAIDU_PATHS.oauthToken, {
      access_token: tpToken,
      grant_type: 'app_to_tp_authorization_code',
      code,
    })) as { refresh_token: string };
  const { authorizationCode } = await sandbox.control.baiduAuthorize(tp.clientId, { appId: 4242 });
  const { refresh_token: first } = await exchange(authorizationCode);
  const again = await sandbox.control.baiduAuthorize(tp.clientId, { appId: 4242 });
  await exchange(again.authorizationCode);
  await get(BAIDU_PATHS.oauthToken, {
    access_token: tpToken,
    grant_type: 'app_to_tp_refresh_token',
    refresh_token: first,
  });

  const { presentations } = await sandbox.control.singleUse({ platform: 'baidu', appid: '4242' });
  expect(presentations.map((p) => [p.kind, p.state, p.accepted])).toEqual([
    ['authorization_code', 'fresh', true],
    ['authorization_code', 'fresh', true],
    ['refresh_token', 'superseded', false],
  ]);
});
