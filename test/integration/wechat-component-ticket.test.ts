/**
 * A WeChat Open Platform component's ticket and token over real HTTP (invariant 4): sandbox pushes →
 * gateway push receiver → Temporal → componentTokenWorkflow → sandbox token API. A pushed ticket
 * leads to a component token that works on the platform; six platform hours without a push still
 * refresh with the last good ticket, with no failures and no nudges; a silence beyond the ticket's
 * validity shows as a stale ticket in describe and calls api_start_push_ticket until pushes resume.
 * Sandbox time ×2000: a 7200 s token lives 3.6 s, 6 h is 10.8 s, a ticket's 12 h validity is 21.6 s.
 */
import { describeComponent as describeOf, gatewayJson as gatewayGet, wechatCalls } from '../harness/components';
import { eventually } from '../harness/eventually';
import { startStack, type Stack, type StackComponent } from '../harness/stack';

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

const describeComponent = (c: StackComponent) => describeOf(stack.client, 'wechat', c.componentAppid);
const calls = (endpoint: string, appid: string) => wechatCalls(stack.sandbox, endpoint, appid);
const gatewayJson = (path: string) => gatewayGet(gatewayUrl, path);

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
