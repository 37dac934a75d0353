/**
 * WeChat Open Platform component tokens over real HTTP: sandbox pushes → gateway push receiver →
 * Temporal → componentTokenWorkflow → sandbox token API. Sandbox time ×2000: a 7200 s token lives
 * 3.6 s, 6 h is 10.8 s, a ticket's 12 h validity is 21.6 s.
 */
import { request } from 'undici';
import { buildWechatPush } from '../../platforms/wechat/push-crypto';
import { componentWorkflowId } from '../../workflows/credential-ids';
import { describeQuery, type CredentialDescription } from '../../workflows/messages';
import { eventually, startStack, type Stack, type StackComponent } from '../harness/stack';

const SCALE = 2000;
const hours = (h: number) => (h * 3600 * 1000) / SCALE;

let stack: Stack;
let gatewayUrl: string;
beforeAll(async () => {
  stack = await startStack({ timeScale: SCALE });
  gatewayUrl = await stack.startGateway();
});
afterAll(async () => {
  await stack?.teardown();
});

const describeComponent = (c: StackComponent): Promise<CredentialDescription> =>
  stack.client.workflow.getHandle(componentWorkflowId('wechat', c.componentAppid)).query(describeQuery);

async function calls(endpoint: string, appid: string) {
  return (await stack.sandbox.control.calls({ platform: 'wechat', endpoint, appid })).calls;
}

async function gatewayJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await request(`${gatewayUrl}${path}`);
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
}

async function signalsReceived(c: StackComponent): Promise<number | undefined> {
  try {
    const history = await stack.client.workflow
      .getHandle(componentWorkflowId('wechat', c.componentAppid))
      .fetchHistory();
    return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes).length;
  } catch {
    return undefined; // no workflow: nothing was ever signalled
  }
}

it('a pushed ticket leads to a component token; 6 h without pushes still refresh; a gap beyond validity is stale and restarts pushes', async () => {
  const c = await stack.addWechatComponent({ ticketValidityMs: hours(12), staleTicketAfterMs: hours(12) });
  const { delivery } = await stack.sandbox.control.pushTicket(c.componentAppid);
  expect(delivery.attempts[0]).toMatchObject({ outcome: 'success', reply: 'success' });
  const lastPushAt = Date.now();

  const first = await eventually(async () => {
    const { status, body } = await gatewayJson(`/v1/tokens/component/wechat/${c.componentAppid}`);
    return status === 200 ? body : undefined;
  });
  expect(typeof first.access_token).toBe('string');
  // The token works on the platform: it creates a pre-auth code through our authorization route.
  const link = await gatewayJson(`/v1/authorize/wechat/${c.componentAppid}?format=json`);
  expect(link.status).toBe(200);
  expect(String(link.body.url)).toContain('pre_auth_code=preauthcode');

  // Six platform hours without a push: still refreshed with the last ticket, no failures, no nudges.
  const startVersion = (await describeComponent(c)).version;
  // The wait is the point: six sandbox hours must really pass (×2000, about 11 s) with no push at all.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, lastPushAt + hours(6) - Date.now())));
  const after6h = await describeComponent(c);
  expect(after6h.version - startVersion).toBeGreaterThanOrEqual(2);
  expect(after6h.status).toBe('active');
  expect(after6h.consecutiveFailures).toBe(0);
  expect(after6h.ticket).toMatchObject({ state: 'fresh', startPushCalls: 0 });
  const tokenCalls = await calls('/cgi-bin/component/api_component_token', c.componentAppid);
  expect(tokenCalls.every((call) => call.errcode === null || call.errcode === 0 || call.errcode === undefined)).toBe(
    true,
  );
  expect(await calls('/cgi-bin/component/api_start_push_ticket', c.componentAppid)).toHaveLength(0);

  // Beyond the ticket's validity: stale in describe, start-push called (failing first, so it stays visible).
  await stack.sandbox.control.addFault({
    path: '/cgi-bin/component/api_start_push_ticket',
    kind: 'busy',
    appid: c.componentAppid,
  });
  const stale = await eventually(
    async () => {
      const d = await describeComponent(c);
      return d.ticket && d.ticket.state !== 'fresh' && d.ticket.startPushCalls >= 1 ? d : undefined;
    },
    30_000,
    'stale ticket and a start-push call',
  );
  expect(['stale', 'expired']).toContain(stale.ticket!.state);
  expect(stale.settings.ticket).toBe(stale.ticket!.state);
  expect((await calls('/cgi-bin/component/api_start_push_ticket', c.componentAppid)).length).toBeGreaterThanOrEqual(1);

  // The next nudge succeeds: the platform restarts pushes and the ticket is fresh again.
  await stack.sandbox.control.clearFaults();
  await eventually(
    async () => ((await describeComponent(c)).ticket?.state === 'fresh' ? true : undefined),
    20_000,
    'fresh ticket after restart',
  );
  await stack.sandbox.control.pauseTickets(c.componentAppid);
  await eventually(async () => ((await describeComponent(c)).status === 'active' ? true : undefined));
}, 90_000);

it('forged, wrong-appid, stale, malformed, oversized and replayed pushes are rejected and signal nothing', async () => {
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
  expect(replayed.status).toBe(409);
  expect(await signalsReceived(c)).toBe(1);
});

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

it('a push while the worker is down is acknowledged once Temporal holds it, and processed when the worker returns', async () => {
  const c = await stack.addWechatComponent();
  await stack.stopWorker();
  try {
    const { delivery } = await stack.sandbox.control.pushTicket(c.componentAppid);
    expect(delivery.attempts[0]).toMatchObject({ outcome: 'success', reply: 'success' });
    expect(await signalsReceived(c)).toBe(1);
  } finally {
    await stack.startWorker();
  }
  const token = await eventually(async () => {
    const { status, body } = await gatewayJson(`/v1/tokens/component/wechat/${c.componentAppid}`);
    return status === 200 ? body : undefined;
  });
  expect(typeof token.access_token).toBe('string');

  // Passive refresh as for app tokens: concurrent reports of the same token cause one upstream call.
  const before = (await calls('/cgi-bin/component/api_component_token', c.componentAppid)).length;
  const reports = await Promise.all(
    Array.from({ length: 5 }, () =>
      request(`${gatewayUrl}/v1/tokens/component/wechat/${c.componentAppid}/invalidate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ access_token: token.access_token }),
      }).then(async (r) => ({ status: r.statusCode, body: (await r.body.json()) as Record<string, unknown> })),
    ),
  );
  for (const r of reports) {
    expect(r.status).toBe(200);
    expect(r.body.access_token).not.toBe(token.access_token);
  }
  expect(new Set(reports.map((r) => r.body.version)).size).toBe(1);
  const after = (await calls('/cgi-bin/component/api_component_token', c.componentAppid)).length;
  expect(after - before).toBe(1);
});

it('token routes refuse unknown query parameters and malformed ids with the one JSON error shape', async () => {
  const component = await stack.addWechatComponent();
  for (const path of [
    `/v1/tokens/component/wechat/${component.componentAppid}?debug=1`,
    `/v1/tokens/component/wechat/bad%20id`,
    `/v1/tokens/authorizer/wechat/${component.componentAppid}/wx0000000001?x=y`,
    `/v1/components/wechat/${component.componentAppid}?verbose=true`,
  ]) {
    const response = await request(`${gatewayUrl}${path}`);
    expect(response.statusCode).toBe(400);
    expect(await response.body.json()).toMatchObject({ error: { code: 'bad_request' } });
  }
});
