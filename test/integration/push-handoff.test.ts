/**
 * The push hand-off (invariant 7, second half): a push is answered `success` as soon as Temporal
 * durably holds its signal, even with every worker down, and is processed when a worker returns —
 * so the platform retries whatever we could not hand over and nothing is lost. The component token
 * it leads to is then refreshed passively like an app token: concurrent reports of one token make
 * one upstream call. WeChat component, sandbox time ×2000.
 */
import { request } from 'undici';
import { gatewayJson as gatewayGet, signalsReceived as signalsOf, wechatCalls } from '../harness/components';
import { eventually } from '../harness/eventually';
import { startStack, type Stack, type StackComponent } from '../harness/stack';

let stack: Stack;
let gatewayUrl: string;
beforeAll(async () => {
  stack = await startStack({ timeScale: 2000 });
  gatewayUrl = await stack.startGateway();
});
afterAll(async () => {
  await stack?.teardown();
});

const calls = (endpoint: string, appid: string) => wechatCalls(stack.sandbox, endpoint, appid);
const gatewayJson = (path: string) => gatewayGet(gatewayUrl, path);
const signalsReceived = (c: StackComponent) => signalsOf(stack.client, 'wechat', c.componentAppid);

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
