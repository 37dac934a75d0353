/**
 * Pushes as the platforms deliver them (issue 12, points 5–8), over HTTP to the gateway, workflows
 * on a real dev server, platform calls to the sandbox (×100):
 * - an event type the project does not handle is answered `success` and signals nothing;
 * - the same message again (as sent, with its signature in other letter case, or re-encrypted) is
 *   answered `success` and not signalled twice, while a new push still is;
 * - a ticket older than the one held (a late retry) does not replace it; an `unauthorized` older
 *   than the newest grant does not revoke it, a newer one does;
 * - a Baidu authorizer's granted permissions (app info `auth_info`) show in `describe`.
 */
import { request } from 'undici';
import { buildBaiduPush } from '../../platforms/baidu/push-crypto';
import { buildDouyinPush } from '../../platforms/douyin/push-crypto';
import { buildWechatPush } from '../../platforms/wechat/push-crypto';
import { beijingDateTime } from '../../sandbox/json-push-platforms/lifetimes';
import { componentWorkflowId, type Platform } from '../../workflows/credential-ids';
import { describeComponent, signalsReceived } from '../harness/components';
import { eventually } from '../harness/eventually';
import type { TpStackComponent } from '../harness/stack';
import {
  acceptedToken,
  authorizerHandle,
  describeAuthorizer,
  startTpStack,
  type TpKind,
  type TpStack,
} from '../harness/tp-authorizers';

let tpStack: TpStack;
beforeAll(async () => {
  tpStack = await startTpStack();
}, 60_000);
afterAll(async () => {
  await tpStack?.teardown();
});

const nowSeconds = () => Math.floor(Date.now() / 1000);
let nonces = 0;
const nonce = () => `n${Date.now()}${++nonces}`;

interface Posted {
  status: number;
  text: string;
}

async function post(url: string, body: string, contentType: string): Promise<Posted> {
  const response = await request(url, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: response.statusCode, text: await response.body.text() };
}

/** A JSON-envelope push (Douyin, Baidu) of `message` (an object, or raw JSON text), signed with the component's keys. */
function jsonPush(platform: TpKind, c: TpStackComponent, message: object | string, timestamp = String(nowSeconds())) {
  const input = {
    token: c.token,
    encodingAESKey: c.encodingAESKey,
    message: (typeof message === 'string' ? message : JSON.stringify(message)) as never,
    timestamp,
    nonce: nonce(),
  };
  return platform === 'douyin'
    ? buildDouyinPush({ ...input, tpAppid: c.componentAppid }).body
    : buildBaiduPush({ ...input, clientId: c.componentAppid }).body;
}

function postJson(platform: TpKind, c: TpStackComponent, body: string): Promise<Posted> {
  return post(`${tpStack.gatewayUrl}/v1/push/${platform}/${c.componentAppid}`, body, 'application/json');
}

const workflowExists = (platform: Platform, componentAppid: string) =>
  tpStack.stack.client.workflow
    .getHandle(componentWorkflowId(platform, componentAppid))
    .describe()
    .then(
      () => true,
      () => false,
    );

const success: Posted = { status: 200, text: 'success' };

/**
 * The signals a component workflow received once at least `atLeast` are in its history and no workflow
 * task is pending: signals that arrive during a task are buffered until it completes, so only then
 * is the count final.
 */
async function settledSignals(platform: Platform, componentAppid: string, atLeast: number): Promise<number> {
  const handle = tpStack.stack.client.workflow.getHandle(componentWorkflowId(platform, componentAppid));
  return eventually(
    async () => {
      if ((await handle.describe()).raw.pendingWorkflowTask) return undefined;
      const count = (await signalsReceived(tpStack.stack.client, platform, componentAppid)) ?? 0;
      return count >= atLeast ? count : undefined;
    },
    20_000,
    `${atLeast} signals settled`,
  );
}

it('pushes of event types the project does not handle are answered success and signal nothing', async () => {
  const { stack, gatewayUrl } = tpStack;
  const wechat = await stack.addWechatComponent();
  const fastRegistration = buildWechatPush({
    token: wechat.token,
    encodingAESKey: wechat.encodingAESKey,
    componentAppid: wechat.componentAppid,
    message: `<xml><AppId><![CDATA[${wechat.componentAppid}]]></AppId><CreateTime>${nowSeconds()}</CreateTime><InfoType><![CDATA[notify_third_fasteregister]]></InfoType><appid><![CDATA[wxnewlyregistered]]></appid><status>0</status></xml>`,
    timestamp: String(nowSeconds()),
    nonce: nonce(),
  });
  const url = `${gatewayUrl}/v1/push/wechat/${wechat.componentAppid}?${new URLSearchParams(fastRegistration.query)}`;
  expect(await post(url, fastRegistration.body, 'text/xml')).toEqual(success);
  expect(await signalsReceived(stack.client, 'wechat', wechat.componentAppid)).toBeUndefined();

  const unhandled: Record<TpKind, object> = {
    douyin: { Event: 'PACKAGE_AUDIT_RESULT', AppId: 'ttsomeminiapp01', EventTime: beijingDateTime(Date.now()) },
    baidu: { event: 'APPLY_APP_MOBILE_AUTH_PASS', appId: 1234, tpAppId: 5678, eventTime: beijingDateTime(Date.now()) },
  };
  for (const platform of ['douyin', 'baidu'] as const) {
    const quiet = await stack.addTpComponent(platform);
    expect(await postJson(platform, quiet, jsonPush(platform, quiet, unhandled[platform]))).toEqual(success);
    expect(await workflowExists(platform, quiet.componentAppid)).toBe(false);
    // Still verified first: the same event unsigned is refused.
    const forged = JSON.parse(jsonPush(platform, quiet, unhandled[platform])) as Record<string, string>;
    forged.MsgSignature = '0'.repeat(40);
    expect((await postJson(platform, quiet, JSON.stringify(forged))).status).toBe(400);
  }
});

it('the same push again is answered success without a second signal, whatever the case of its signature; a new push is delivered', async () => {
  const { stack, gatewayUrl } = tpStack;
  const wechat = await stack.addWechatComponent();
  const ticketPush = (ticket: string) =>
    buildWechatPush({
      token: wechat.token,
      encodingAESKey: wechat.encodingAESKey,
      componentAppid: wechat.componentAppid,
      message: {
        AppId: wechat.componentAppid,
        CreateTime: nowSeconds(),
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: ticket,
      },
      timestamp: String(nowSeconds()),
      nonce: nonce(),
    });
  const postWechat = (push: { query: Record<string, string>; body: string }) =>
    post(
      `${gatewayUrl}/v1/push/wechat/${wechat.componentAppid}?${new URLSearchParams(push.query)}`,
      push.body,
      'text/xml',
    );
  const signals = (atLeast: number) => settledSignals('wechat', wechat.componentAppid, atLeast);

  const first = ticketPush('ticket@@@first');
  expect(await postWechat(first)).toEqual(success);
  expect(await signals(1)).toBe(1);
  expect(await postWechat(first)).toEqual(success);
  const upper = { ...first.query, msg_signature: first.query.msg_signature.toUpperCase() };
  expect(upper.msg_signature).not.toBe(first.query.msg_signature);
  expect(await postWechat({ query: upper, body: first.body })).toEqual(success);
  expect(await postWechat(ticketPush('ticket@@@second'))).toEqual(success);
  expect(await signals(2)).toBe(2);

  for (const platform of ['douyin', 'baidu'] as const) {
    const quiet = await stack.addTpComponent(platform);
    const message =
      platform === 'douyin'
        ? {
            Ticket: 'ticket-a',
            FromUserName: 'ByteDanceMicroApp',
            CreateTime: beijingDateTime(Date.now()),
            MsgType: 'Ticket',
            Event: 'PUSH',
          }
        : { Ticket: 'ticket-a', FromUserName: 'SmartAPP', CreateTime: nowSeconds(), MsgType: 'ticket', Event: 'push' };
    const body = jsonPush(platform, quiet, message);
    const count = (atLeast: number) => settledSignals(platform, quiet.componentAppid, atLeast);
    expect(await postJson(platform, quiet, body)).toEqual(success);
    expect(await count(1)).toBe(1);
    const envelope = JSON.parse(body) as Record<string, string>;
    const upperCased = JSON.stringify({ ...envelope, MsgSignature: envelope.MsgSignature!.toUpperCase() });
    expect(await postJson(platform, quiet, upperCased)).toEqual(success);
    // Re-encrypted with a new nonce (a platform's retry may be): still the same message.
    expect(await postJson(platform, quiet, jsonPush(platform, quiet, JSON.stringify(message)))).toEqual(success);
    expect(await postJson(platform, quiet, jsonPush(platform, quiet, { ...message, Ticket: 'ticket-b' }))).toEqual(
      success,
    );
    expect(await count(2)).toBe(2);
  }
});

it('a push whose answer the platform lost is sent again unchanged: answered success, signalled once', async () => {
  const { stack } = tpStack;
  for (const platform of ['douyin', 'baidu'] as const) {
    const c = await stack.addTpComponent(platform);
    await stack.sandbox.control.loseJsonPushAnswers(platform, c.componentAppid, 1);
    const { pushId } = await (platform === 'douyin'
      ? stack.sandbox.control.pushDouyinTicket(c.componentAppid)
      : stack.sandbox.control.pushBaiduTicket(c.componentAppid));
    const record = await eventually(
      async () => {
        const pushes = await (platform === 'douyin'
          ? stack.sandbox.control.douyinPushes({ appid: c.componentAppid })
          : stack.sandbox.control.baiduPushes({ appid: c.componentAppid }));
        const push = pushes.find((p) => p.id === pushId);
        return push?.delivered ? push : undefined;
      },
      20_000,
      `${platform} push delivered after a lost answer`,
    );
    expect(record.attempts.map((a) => [a.status, a.answer, a.error])).toEqual([
      [200, 'success', 'answer lost (sandbox)'],
      [200, 'success', undefined],
    ]);
    expect(await settledSignals(platform, c.componentAppid, 1)).toBe(1);
  }
});

it('a ticket older than the one held does not replace it: the component still refreshes with the newer one', async () => {
  const { stack } = tpStack;
  const c = await stack.addTpComponent('douyin');
  const { ticket } = await stack.sandbox.control.pushDouyinTicket(c.componentAppid);
  expect(ticket).toBeTruthy();
  const ref = { kind: 'component', platform: 'douyin', componentAppid: c.componentAppid } as const;
  const first = await eventually(
    async () => {
      const d = await describeComponent(stack.client, 'douyin', c.componentAppid);
      return d.status === 'active' && d.ticket?.createdAt !== undefined ? d : undefined;
    },
    30_000,
    'component token from the pushed ticket',
  );
  const heldCreatedAt = first.ticket!.createdAt!;

  // A retry of a push from 20 minutes ago arrives late (its envelope is new, its CreateTime old).
  const older = {
    Ticket: 'ticket-from-twenty-minutes-ago',
    FromUserName: 'ByteDanceMicroApp',
    CreateTime: beijingDateTime(Date.now() - 20 * 60_000),
    MsgType: 'Ticket',
    Event: 'PUSH',
  };
  expect(await postJson('douyin', c, jsonPush('douyin', c, older))).toEqual(success);
  expect(await settledSignals('douyin', c.componentAppid, 2)).toBe(2);

  // The token is refreshed with the held ticket: with the older one it would be refused (ticket invalid).
  const token = await stack.tokens.getToken(ref);
  const refreshed = await stack.tokens.reportInvalid(ref, token.accessToken);
  expect(refreshed.version).toBeGreaterThan(token.version);
  const after = await describeComponent(stack.client, 'douyin', c.componentAppid);
  expect(after.status).toBe('active');
  expect(after.ticket?.createdAt).toBe(heldCreatedAt);
  expect(after.ticket?.state).toBe('fresh');
});

it('an unauthorized older than the newest grant does not revoke it; a newer one does', async () => {
  const { stack, tp } = tpStack;
  const c = tp.douyin;
  const { authorizerAppid } = await stack.sandbox.control.douyinAuthorize(c.componentAppid, {
    authorizerAppid: `ttreauth${Date.now() % 100000}`,
  });
  const granted = await acceptedToken(stack.client, stack.sandbox.url, 'douyin', c.componentAppid, authorizerAppid);

  // The withdrawal of an earlier authorization, delivered after the re-authorization.
  const stale = {
    AppId: authorizerAppid,
    TpAppId: c.componentAppid,
    EventTime: beijingDateTime(Date.now() - 3_600_000),
    Event: 'UNAUTHORIZED',
  };
  expect(await postJson('douyin', c, jsonPush('douyin', c, stale))).toEqual(success);
  // The workflow handles that signal before this update: revoked, it would have completed instead.
  const ref = { kind: 'authorizer', platform: 'douyin', componentAppid: c.componentAppid, authorizerAppid } as const;
  const refreshed = await stack.tokens.reportInvalid(ref, granted.accessToken!);
  expect(refreshed.version).toBeGreaterThan(granted.version);
  // Still held (tokens live 3 s here, so a scheduled refresh may be in flight).
  expect(['active', 'refreshing']).toContain(
    (await describeAuthorizer(stack.client, 'douyin', c.componentAppid, authorizerAppid)).status,
  );

  // A withdrawal after the grant revokes.
  await stack.sandbox.control.douyinUnauthorize(c.componentAppid, authorizerAppid);
  await eventually(
    async () =>
      (await authorizerHandle(stack.client, 'douyin', c.componentAppid, authorizerAppid).describe()).status.name ===
      'COMPLETED',
    30_000,
    'revoked authorizer completes',
  );
  expect((await describeAuthorizer(stack.client, 'douyin', c.componentAppid, authorizerAppid)).status).toBe('revoked');
});

it('a Baidu authorizer records the permissions it granted (app info) and describe shows them', async () => {
  const { stack, tp } = tpStack;
  const scopes = ['小程序开发管理', '数据分析', '模板消息'];
  const { appId } = await stack.sandbox.control.baiduAuthorize(tp.baidu.componentAppid, {
    appId: 20_000_000 + (Date.now() % 100_000),
    scopes,
  });
  const described = await eventually(
    async () => {
      const d = await describeAuthorizer(stack.client, 'baidu', tp.baidu.componentAppid, String(appId));
      return d.status === 'active' ? d : undefined;
    },
    30_000,
    'active Baidu authorizer',
  );
  expect(described.permissions).toEqual(scopes);
});
