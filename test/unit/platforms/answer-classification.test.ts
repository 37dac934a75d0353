/**
 * Which failures may hide an action the platform took (docs/architecture.md, exactly-once rules): an
 * answer that cannot be read — not JSON at any status, or JSON of the wrong shape — is `ambiguous`
 * on every platform, so a single-use refresh token or code behind it goes to recovery instead of
 * being sent again; only a connection that never opened is not. Also the codes meaning the
 * authorization is gone (WeChat 61003, Douyin 40004). Against a local HTTP server answering what
 * each case needs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as baidu from '../../../platforms/baidu/api';
import { classifyBaiduErrno } from '../../../platforms/baidu/errors';
import * as douyin from '../../../platforms/douyin/api';
import { classifyDouyinError } from '../../../platforms/douyin/errors';
import { platformErrorOf } from '../../harness/platform-error';
import { requestJson } from '../../../platforms/http';
import { queryAuth, refreshAuthorizerToken as wechatRefresh } from '../../../platforms/wechat/component';
import { classifyWechatError } from '../../../platforms/wechat/errors';

const http = { timeoutMs: 2_000 };
let answer: { status: number; body: string } = { status: 200, body: '' };
let server: Server;
let baseUrl: string;
beforeAll(async () => {
  server = createServer((_request, response) => {
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const douyinEndpoint = () => ({ baseUrl, componentAppid: 'tt-component' });
const wechatEndpoint = () => ({ baseUrl, componentAppid: 'wx-component' });

/** Every single-use call and a WeChat exchange, each reading the answer the server gives now. */
const calls: Array<[string, () => Promise<unknown>]> = [
  ['Douyin refresh', () => douyin.refreshAuthorizerToken(douyinEndpoint(), 'clt.x', 'isvrft.x', http)],
  ['Douyin exchange', () => douyin.exchangeAuthorizationCode(douyinEndpoint(), 'clt.x', 'code', http)],
  ['Douyin retrieve', () => douyin.retrieveAuthorizationCode(douyinEndpoint(), 'clt.x', 'ttapp', http)],
  ['Baidu refresh', () => baidu.refreshAuthorizerToken({ baseUrl }, 'tp', 'rt', http)],
  ['Baidu exchange', () => baidu.exchangeAuthorizationCode({ baseUrl }, 'tp', 'code', http)],
  ['WeChat exchange', () => queryAuth(wechatEndpoint(), 'ct', 'code', http)],
  [
    'WeChat refresh',
    () => wechatRefresh({ ...wechatEndpoint(), authorizerAppid: 'wxa', refreshToken: 'rt' }, 'ct', http),
  ],
];

describe('an answer that cannot be read is ambiguous', () => {
  it.each([
    [200, '{"err_no":0,"data":{"authorizer_acc'],
    [200, '<html><body>502 Bad Gateway</body></html>'],
    [400, 'Bad Request'],
    [404, '<html>not found</html>'],
  ])('HTTP %i with a body that is not JSON', async (status, body) => {
    answer = { status, body };
    const err = await platformErrorOf(requestJson('douyin', new URL('/x', baseUrl), { method: 'GET' }, http));
    expect(err.details).toMatchObject({ category: 'retry_later', code: 'malformed', ambiguous: true });
    for (const [, call] of calls) expect((await platformErrorOf(call())).details.ambiguous).toBe(true);
  });

  it.each([
    ['an empty object', '{}'],
    ['a success envelope without the data', '{"err_no":0,"err_msg":"","data":{"expires_in":7200}}'],
    ['an array', '[1,2,3]'],
    ['a string', '"ok"'],
  ])('JSON of the wrong shape (%s): %s', async (_what, body) => {
    answer = { status: 200, body };
    for (const [name, call] of calls) {
      const err = await platformErrorOf(call());
      expect({ name, ...err.details }).toMatchObject({ name, code: 'malformed', ambiguous: true });
    }
  });

  it('a readable error answer is not ambiguous: the platform said what it did', async () => {
    answer = { status: 200, body: '{"err_no":40021,"err_msg":"refresh token expired","log_id":"1"}' };
    const err = await platformErrorOf(calls[0]![1]());
    expect(err.details).toMatchObject({ code: '40021', category: 'refresh_token_invalid' });
    expect(err.details.ambiguous).toBeUndefined();
  });

  it('a connection that never opened is not ambiguous (nothing sent); a 5xx is', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await platformErrorOf(
      requestJson('baidu', new URL(`http://127.0.0.1:${port}/x`), { method: 'GET' }, http),
    );
    expect(refused.details).toMatchObject({ code: 'network', ambiguous: false });

    answer = { status: 502, body: '<html>bad gateway</html>' };
    const gateway = await platformErrorOf(requestJson('baidu', new URL('/x', baseUrl), { method: 'GET' }, http));
    expect(gateway.details).toMatchObject({ code: 'http_502', ambiguous: true });
  });
});

describe('codes meaning the authorization is gone', () => {
  it('WeChat 61003 (component not authorized by this account) and Douyin 40004 (authorized app not found) are recovered or reauth_required, never retried as transient', () => {
    expect(classifyWechatError(61003)).toBe('refresh_token_invalid');
    expect(classifyDouyinError(40004)).toBe('refresh_token_invalid');
    expect(classifyDouyinError(40022)).toBe('refresh_token_invalid');
    expect(classifyBaiduErrno(50032)).toBe('refresh_token_invalid');
    // Neighbours keep their meaning.
    expect(classifyWechatError(61023)).toBe('refresh_token_invalid');
    expect(classifyWechatError(-1)).toBe('retry_later');
    expect(classifyDouyinError(40002)).toBe('credential_invalid');
    expect(classifyDouyinError(40003)).toBe('credential_invalid');
    expect(classifyDouyinError(40000)).toBe('retry_later');
  });
});
