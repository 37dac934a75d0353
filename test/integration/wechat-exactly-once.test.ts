/**
 * WeChat authorizers over real HTTP (dev server + sandbox, docs/architecture.md exactly-once rules):
 * an authorization withdrawn without the unauthorized push (61003 on refresh) is declared
 * reauth_required after one confirming look in the authorizer list, instead of being retried
 * forever; an exchange whose answer comes back garbled is not sent again, and the authorization is
 * still obtained, from the authorizer list's refresh token. Codes are issued at ×100 so they
 * outlive their hand-over (see wechat-authorizers.test.ts); tokens then live 3.6 s at ×2000.
 */
import type { TokenView } from '../../workflows/messages';
import { wechatBusinessCall } from '../harness/apps';
import { eventually } from '../harness/eventually';
import { startStack, type Stack, type StackComponent } from '../harness/stack';
import { readyWechatComponent, type ReadyWechatComponent } from '../harness/wechat-authorizers';

const FAST = 2000;
const CODE_SCALE = 100;
const REFRESH = '/cgi-bin/component/api_authorizer_token';
const EXCHANGE = '/cgi-bin/component/api_query_auth';
const LIST = '/cgi-bin/component/api_get_authorizer_list';

let stack: Stack;
let wechat: ReadyWechatComponent;
let c: StackComponent;
beforeAll(async () => {
  stack = await startStack({ timeScale: FAST });
  wechat = await readyWechatComponent(stack);
  c = wechat.component;
}, 60_000);
afterAll(async () => {
  await stack?.sandbox.control.pauseTickets(c.componentAppid);
  await stack?.teardown();
});

const describeAuthorizer = (a: string) => wechat.describeAuthorizer(a);
const tokenOf = (a: string) => wechat.tokenOf(a);
const setScale = (timeScale: number) => stack.sandbox.control.setClock({ timeScale });
const calls = async (endpoint: string) =>
  (await stack.sandbox.control.calls({ platform: 'wechat', endpoint, appid: c.componentAppid })).calls;

/** Authorized by event at ×100, active token, then back to ×2000 with a short-lived token. */
async function authorized(authorizerAppid: string): Promise<TokenView> {
  await setScale(CODE_SCALE);
  try {
    await stack.sandbox.control.authorize(c.componentAppid, { authorizerAppid, funcInfo: [1, 2], deliver: 'event' });
    const view = await eventually(
      async () => {
        const x = await tokenOf(authorizerAppid).catch(() => undefined);
        return x?.status === 'active' && x.accessToken ? x : undefined;
      },
      20_000,
      `active token of ${authorizerAppid}`,
    );
    return view;
  } finally {
    await setScale(FAST);
  }
}

it('withdrawn without the unauthorized push: 61003, one look in the authorizer list, reauth_required, then quiet', async () => {
  const a = 'wxwithdrawnsilent';
  const view = await authorized(a);
  // Refresh it at ×2000 so the next refresh comes within seconds.
  await stack.tokens.reportInvalid(
    { kind: 'authorizer', platform: 'wechat', componentAppid: c.componentAppid, authorizerAppid: a },
    view.accessToken!,
  );
  const listsBefore = (await calls(LIST)).length;
  const sandboxNow = async () => (await stack.sandbox.control.clock()).now;
  const withdrawn = await stack.sandbox.control.unauthorize(c.componentAppid, a, { push: false });
  expect(withdrawn.push).toBe(false);
  const parked = await eventually(
    async () => {
      const d = await describeAuthorizer(a);
      return d.status === 'reauth_required' ? d : undefined;
    },
    30_000,
    'reauth_required after the withdrawal',
  );
  expect(parked.lastError).toMatchObject({ category: 'refresh_token_invalid', code: '61003' });
  const refreshes = (await calls(REFRESH)).filter((call) => call.errcode === 61003);
  expect(refreshes.length).toBeGreaterThanOrEqual(1);
  expect(refreshes.length).toBeLessThanOrEqual(2); // the refresh, and at most the listed token once
  expect((await calls(LIST)).length - listsBefore).toBe(1);
  // Parked: no more refreshes for two platform hours (3.6 s at ×2000, two token lifetimes).
  const count = (await calls(REFRESH)).length;
  const parkedAt = await sandboxNow();
  await eventually(
    async () => ((await sandboxNow()) - parkedAt > (2 * 3600_000) / FAST ? true : undefined),
    30_000,
    'two platform hours later',
  );
  expect((await calls(REFRESH)).length).toBe(count);
  expect((await describeAuthorizer(a)).status).toBe('reauth_required');
}, 90_000);

it('a garbled exchange answer (code consumed, answer unreadable): sent once, authorization obtained from the list', async () => {
  const a = 'wxgarbledexchange';
  const before = (await calls(EXCHANGE)).length;
  await stack.sandbox.control.addFault({ path: EXCHANGE, kind: 'garble_response', appid: c.componentAppid, times: 1 });
  const view = await authorized(a);
  expect(await wechatBusinessCall(stack.sandbox.url, view.accessToken!)).not.toHaveProperty('errcode');
  const exchanges = (await calls(EXCHANGE)).slice(before);
  expect(exchanges).toEqual([expect.objectContaining({ status: 200, errcode: 0, fault: 'garble_response' })]);
  // The token came from refreshing with the list's refresh token (the list names no permissions).
  // Tokens live seconds here: look between refreshes, not in the middle of one.
  const d = await eventually(
    async () => {
      const x = await describeAuthorizer(a);
      return x.status === 'refreshing' ? undefined : x;
    },
    10_000,
    `${a} between refreshes`,
  );
  expect(d.status).toBe('active');
  expect(d.refreshes).toBeGreaterThanOrEqual(1);
}, 60_000);
