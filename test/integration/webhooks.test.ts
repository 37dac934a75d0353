/**
 * Status-change webhooks against a local receiver: signed JSON POSTs when a credential enters and
 * leaves credential_invalid and when a component's ticket goes stale and fresh again; a receiver
 * answering 500 is retried; a receiver that is down delays no refresh. Also the TicketStale search
 * attribute (a Web UI filter) on a real dev server.
 */
import { registerApp, registerComponent } from '../../client/credentials';
import { freePort } from '../../scripts/dev-server';
import { verifyWebhook } from '../../webhooks/signing';
import { appWorkflowId, componentWorkflowId } from '../../workflows/credential-ids';
import { OPS_MEMO_KEY, type CredentialOps } from '../../workflows/ops-memo';
import { eventually } from '../harness/eventually';
import { startStack, type Stack } from '../harness/stack';
import { startWebhookReceiver, type WebhookReceiver } from '../harness/webhook-receiver';

const SECRET = 'whsec-integration';
let stack: Stack;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  // The second webhook is down for the whole test: nothing listens on that port.
  const downUrl = `http://127.0.0.1:${await freePort()}/hook`;
  stack = await startStack({
    timeScale: 1000,
    webhooks: [
      { url: receiver.url, secret: { env: 'WEBHOOK_SECRET' } },
      { url: downUrl, secret: { env: 'WEBHOOK_SECRET' } },
    ],
  });
  stack.secrets.WEBHOOK_SECRET = SECRET;
}, 60_000);
afterAll(async () => {
  await stack?.teardown();
  await receiver?.close();
});

function delivered(id: string, newStatus: string) {
  return receiver.deliveries.find(
    (d) => d.status === 200 && d.body.credential_id === id && d.body.new_status === newStatus,
  );
}

it('entering and leaving credential_invalid: signed events, a 500 answer retried, a down receiver delays no refresh', async () => {
  receiver.failFirstAttempts = true;
  const app = await stack.sandbox.control.createWechatApp();
  stack.secrets.APP_SECRET_WRONG = 'not-the-secret';
  stack.secrets.APP_SECRET_RIGHT = app.secret;
  const target = { client: stack.client, taskQueue: stack.taskQueue };
  const config = { platform: 'wechat' as const, appid: app.appid, mode: 'basic' as const };
  await registerApp(target, { ...config, secret: { env: 'APP_SECRET_WRONG' } });
  const id = appWorkflowId('wechat', app.appid);

  const entered = await eventually(() => delivered(id, 'credential_invalid'), 30_000, 'credential_invalid event');
  expect(entered.body).toMatchObject({
    type: 'credential.status_changed',
    platform: 'wechat',
    kind: 'app',
    appid: app.appid,
    old_status: 'pending',
    new_status: 'credential_invalid',
  });
  expect(entered.body.reason).toMatch(/^credential_invalid\//);
  expect(Date.parse(entered.body.at)).toBeGreaterThan(Date.now() - 60_000);
  // Signed over timestamp.body with the webhook's secret; a different secret does not verify.
  expect(verifyWebhook(SECRET, entered.headers, entered.rawBody)).toEqual({ ok: true });
  expect(verifyWebhook('other', entered.headers, entered.rawBody).ok).toBe(false);
  // The first attempt was answered 500 and retried: same notification id, then accepted.
  const attempts = receiver.deliveries.filter((d) => d.body.id === entered.body.id);
  expect(attempts.map((d) => d.status)).toEqual([500, 200]);
  // Never a secret in a notification.
  for (const d of receiver.deliveries) {
    expect(d.rawBody).not.toContain(app.secret);
    expect(d.rawBody).not.toContain('not-the-secret');
  }

  // The right secret: the app leaves credential_invalid at once.
  await registerApp(target, { ...config, secret: { env: 'APP_SECRET_RIGHT' } });
  const left = await eventually(() => delivered(id, 'active'), 30_000, 'leaving credential_invalid');
  expect(left.body).toMatchObject({ old_status: 'credential_invalid', new_status: 'active', reason: null });
  expect(verifyWebhook(SECRET, left.headers, left.rawBody)).toEqual({ ok: true });

  // The second webhook is down: its deliveries are still being retried while the app refreshes on
  // schedule (a 7200 s token lives 7.2 s here and is refreshed 20-25 % ahead).
  const first = await stack.tokens.getToken({ kind: 'app', platform: 'wechat', appid: app.appid });
  const refreshed = await eventually(
    async () => {
      const now = await stack.tokens.getToken({ kind: 'app', platform: 'wechat', appid: app.appid });
      return now.version > first.version ? now : undefined;
    },
    first.expiresAt - Date.now(),
    'a scheduled refresh before the first token expired',
  );
  expect(refreshed.version).toBe(first.version + 1);
  const pendingDeliveries = await countWorkflows(
    `WorkflowType = 'webhookNotificationWorkflow' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH 'notify/${id}/'`,
  );
  expect(pendingDeliveries).toBe(2);
}, 90_000);

it('a component whose pushes stay away: TicketStale = true and a ticket_stale event; a push clears both', async () => {
  receiver.failFirstAttempts = false;
  const component = await stack.addTpComponent('douyin', { config: { staleTicketAfterMs: 3_000 } });
  await registerComponent({ client: stack.client, taskQueue: stack.taskQueue }, component.config);
  const id = componentWorkflowId('douyin', component.componentAppid);
  const stale = `WorkflowId = '${id}' AND TicketStale = true`;
  const fresh = `WorkflowId = '${id}' AND TicketStale = false`;

  await eventually(async () => (await countWorkflows(stale)) === 1, 30_000, 'TicketStale = true');
  const staleEvent = await eventually(() => delivered(id, 'stale'), 30_000, 'ticket_stale event');
  expect(staleEvent.body).toMatchObject({
    type: 'component.ticket_stale',
    kind: 'component',
    component_appid: component.componentAppid,
    old_status: 'fresh',
    new_status: 'stale',
  });
  expect(staleEvent.body.reason).toMatch(/^no component_ticket push for \d+ s$/);
  expect(verifyWebhook(SECRET, staleEvent.headers, staleEvent.rawBody)).toEqual({ ok: true });

  await stack.sandbox.control.startDouyinTickets(component.componentAppid);
  await eventually(async () => (await countWorkflows(fresh)) === 1, 30_000, 'TicketStale = false after a push');
  const freshEvent = await eventually(() => delivered(id, 'fresh'), 30_000, 'ticket_fresh event');
  expect(freshEvent.body).toMatchObject({ type: 'component.ticket_fresh', old_status: 'stale' });
  // The ticket's arrival is published for the fleet metrics (never the ticket).
  const described = await stack.client.workflow.getHandle(id).describe();
  const ops = described.memo?.[OPS_MEMO_KEY] as CredentialOps;
  expect(ops.ticketReceivedAt).toBeGreaterThan(Date.now() - 60_000);
  await stack.sandbox.control.pauseDouyinTickets(component.componentAppid);
}, 90_000);

async function countWorkflows(query: string): Promise<number> {
  return (await stack.client.workflow.count(query)).count;
}
