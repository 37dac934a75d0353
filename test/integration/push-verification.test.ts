/**
 * Pushes are verified before they act (invariant 7, first half), on all three platforms' push
 * routes: a forged signature, a wrong key, a wrong appid/trailer, a stale timestamp, a malformed,
 * entity-laden, unknown or oversized body are refused (400/413) and signal nothing — no component
 * workflow comes to exist; a good push is accepted once and its replay answered `success` without a
 * second signal (issue 12, point 6; push-delivery.test.ts has the rest). A push sealed
 * with the previous EncodingAESKey is still accepted after a rotation. Sandbox time ×2000.
 */
import { request } from 'undici';
import { buildBaiduPush } from '../../platforms/baidu/push-crypto';
import { buildDouyinPush } from '../../platforms/douyin/push-crypto';
import { buildWechatPush } from '../../platforms/wechat/push-crypto';
import { componentWorkflowId } from '../../workflows/credential-ids';
import { signalsReceived as signalsOf } from '../harness/components';
import { eventually } from '../harness/eventually';
import { startStack, type Stack, type StackComponent, type TpStackComponent } from '../harness/stack';
import type { TpKind } from '../harness/tp-authorizers';

let stack: Stack;
let gatewayUrl: string;
/** Third-party apps whose pushes are only ever forged: their component workflows must never exist. */
const quiet: Record<TpKind, TpStackComponent> = {} as Record<TpKind, TpStackComponent>;
beforeAll(async () => {
  stack = await startStack({ timeScale: 2000 });
  gatewayUrl = await stack.startGateway();
  quiet.douyin = await stack.addTpComponent('douyin');
  quiet.baidu = await stack.addTpComponent('baidu');
});
afterAll(async () => {
  await stack?.teardown();
});

const signalsReceived = (c: StackComponent) => signalsOf(stack.client, 'wechat', c.componentAppid);

it('forged, wrong-appid, stale, malformed and oversized pushes are rejected and signal nothing; a replay signals once', async () => {
  const c = await stack.addWechatComponent();
  const url = (query: Record<string, string>) =>
    `${gatewayUrl}/v1/push/wechat/${c.componentAppid}?${new URLSearchParams(query).toString()}`;
  const ticketMessage = {
    AppId: c.componentAppid,
    CreateTime: Math.floor(Date.now() / 1000),
    InfoType: 'component_verify_ticket' as const,
    ComponentVerifyTicket: 'ticket@@@test-not-a-real-one',
  };
  const build = (overrides: Partial<Parameters<typeof buildWechatPush>[0]> = {}) =>
    buildWechatPush({
      token: c.token,
      encodingAESKey: c.encodingAESKey,
      componentAppid: c.componentAppid,
      message: ticketMessage,
      timestamp: String(Math.floor(Date.now() / 1000)),
      nonce: String(Math.floor(Math.random() * 1e9)),
      ...overrides,
    });
  const post = async (push: { query: Record<string, string>; body: string }) => {
    const response = await request(url(push.query), {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: push.body,
    });
    return { status: response.statusCode, text: await response.body.text() };
  };

  const forged = await post(build({ token: 'not-the-token' }));
  expect(forged.status).toBe(400);
  expect(forged.text).toContain('push_bad_signature');

  const otherKey = 'A'.repeat(43);
  expect((await post(build({ encodingAESKey: otherKey }))).status).toBe(400);

  const wrongAppid = await post(build({ componentAppid: 'wxsomebodyelse01' }));
  expect(wrongAppid.status).toBe(400);

  const stale = await post(build({ timestamp: String(Math.floor(Date.now() / 1000) - 3600) }));
  expect(stale.status).toBe(400);
  expect(stale.text).toContain('push_stale_timestamp');

  const valid = build();
  const malformed = await post({ query: valid.query, body: '<xml><Encrypt>oops</Encrypt>' });
  expect(malformed.status).toBe(400);
  const entity = await post({
    query: valid.query,
    body: '<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>',
  });
  expect(entity.status).toBe(400);
  const garbage = build({ message: '<xml><AppId>x</AppId><InfoType>nonsense</InfoType></xml>' });
  expect((await post(garbage)).status).toBe(400);

  const oversized = await post({ query: valid.query, body: `<xml><Encrypt>${'A'.repeat(200 * 1024)}</Encrypt></xml>` });
  expect(oversized.status).toBe(413);

  expect(await signalsReceived(c)).toBeUndefined();

  const accepted = await post(valid);
  expect(accepted).toEqual({ status: 200, text: 'success' });
  expect(await signalsReceived(c)).toBe(1);
  const replayed = await post(valid);
  expect(replayed).toEqual({ status: 200, text: 'success' });
  expect(await signalsReceived(c)).toBe(1);
});

it('bad pushes (forged, wrong trailer, stale, malformed, oversized) are rejected and nothing is signalled; a replay signals once', async () => {
  const now = () => String(Math.floor(Date.now() / 1000));
  for (const platform of ['douyin', 'baidu'] as const) {
    const c = quiet[platform];
    const url = `${gatewayUrl}/v1/push/${platform}/${c.componentAppid}`;
    const ticket =
      platform === 'douyin'
        ? {
            Ticket: 'ticket-x',
            FromUserName: 'ByteDanceMicroApp',
            CreateTime: '2026-01-01 00:00:00',
            MsgType: 'Ticket' as const,
            Event: 'PUSH' as const,
          }
        : {
            Ticket: 'ticket-x',
            FromUserName: 'SmartAPP',
            CreateTime: 1700000000,
            MsgType: 'ticket' as const,
            Event: 'push' as const,
          };
    const build = (overrides: { trailer?: string; timestamp?: string; message?: string } = {}) =>
      platform === 'douyin'
        ? buildDouyinPush({
            token: c.token,
            encodingAESKey: c.encodingAESKey,
            tpAppid: overrides.trailer ?? c.componentAppid,
            message: overrides.message ?? (ticket as never),
            timestamp: overrides.timestamp ?? now(),
            nonce: String(Math.random()).slice(2, 10),
          }).body
        : buildBaiduPush({
            token: c.token,
            encodingAESKey: c.encodingAESKey,
            clientId: overrides.trailer ?? c.componentAppid,
            message: overrides.message ?? (ticket as never),
            timestamp: overrides.timestamp ?? now(),
            nonce: String(Math.random()).slice(2, 10),
          }).body;
    const post = async (body: string) => {
      const response = await request(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const text = await response.body.text();
      return { status: response.statusCode, text };
    };
    const forged = JSON.parse(build()) as Record<string, string>;
    forged.MsgSignature = forged.MsgSignature!.replace(/^./, (ch) => (ch === 'a' ? 'b' : 'a'));
    const bad: Array<[string, string, number]> = [
      ['forged signature', JSON.stringify(forged), 400],
      ['wrong trailer', build({ trailer: 'someone-else' }), 400],
      ['stale timestamp', build({ timestamp: String(Math.floor(Date.now() / 1000) - 3600) }), 400],
      ['not JSON', '<xml>nope</xml>', 400],
      ['envelope without Encrypt', JSON.stringify({ Nonce: '1', TimeStamp: now(), MsgSignature: 'a'.repeat(40) }), 400],
      ['payload not a known message', build({ message: '{"hello":"world"}' }), 400],
      ['oversized', JSON.stringify({ pad: 'x'.repeat(70 * 1024) }), 413],
    ];
    for (const [what, body, status] of bad) {
      const answer = await post(body);
      expect({ what, status: answer.status }).toEqual({ what, status });
      expect(answer.text).not.toBe('success');
    }
    await expect(
      stack.client.workflow.getHandle(componentWorkflowId(platform, c.componentAppid)).describe(),
    ).rejects.toThrow();
    // A good push is accepted once; the same push again is answered success and not signalled again.
    const good = build();
    expect(await post(good)).toEqual({ status: 200, text: 'success' });
    expect(await post(good)).toEqual({ status: 200, text: 'success' });
    expect(await signalsOf(stack.client, platform, c.componentAppid)).toBe(1);
  }
}, 60_000);

it('accepts pushes encrypted with the previous EncodingAESKey after a rotation', async () => {
  const c = await stack.addWechatComponent();
  const rotated = 'B'.repeat(42) + 'x';
  const keyEnv = (c.config.encodingAESKey as { env: string }).env;
  stack.secrets[`${keyEnv}_PREV`] = c.encodingAESKey;
  stack.secrets[keyEnv] = rotated;
  c.config.previousEncodingAESKey = { env: `${keyEnv}_PREV` };
  // The platform still signs with the old key (rotation not yet switched over there).
  const { delivery } = await stack.sandbox.control.pushTicket(c.componentAppid);
  expect(delivery.attempts[0]!.outcome).toBe('success');
  // And with the new one once it switches.
  await stack.sandbox.control.updateWechatComponent(c.componentAppid, { encodingAESKey: rotated });
  const second = await stack.sandbox.control.pushTicket(c.componentAppid);
  expect(second.delivery.attempts[0]!.outcome).toBe('success');
  // A signal arriving during a workflow task shows in history once that task completes.
  await eventually(async () => ((await signalsReceived(c)) === 2 ? true : undefined));
});
