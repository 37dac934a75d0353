/**
 * Push acknowledgement latency (not a test): 50 concurrent WeChat pushes at a time against the real
 * gateway + Temporal dev server + worker, each acknowledged with `success` only once Temporal holds
 * its signal. WeChat raises an alarm past 5 s. Prints p50/p99 per kind and overall.
 *
 *   npm run bench:push            # ROUNDS=10 CONCURRENCY=50 by default
 */
import { request } from 'undici';
import { buildWechatPush, type WechatPushMessage } from '../platforms/wechat/push-crypto';
import { startStack } from '../test/harness/stack';

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 50);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const stack = await startStack({ timeScale: 100 });
  try {
    const gatewayUrl = await stack.startGateway();
    const c = await stack.addWechatComponent();
    let serial = 0;
    const push = async (message: WechatPushMessage): Promise<number> => {
      const built = buildWechatPush({
        token: c.token,
        encodingAESKey: c.encodingAESKey,
        componentAppid: c.componentAppid,
        message,
        timestamp: String(Math.floor(Date.now() / 1000)),
        nonce: String(++serial),
      });
      const url = `${gatewayUrl}/v1/push/wechat/${c.componentAppid}?${new URLSearchParams(built.query).toString()}`;
      const started = performance.now();
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: built.body,
      });
      const text = await response.body.text();
      const elapsed = performance.now() - started;
      if (response.statusCode !== 200 || text !== 'success') throw new Error(`push answered ${response.statusCode}`);
      return elapsed;
    };
    const now = () => Math.floor(Date.now() / 1000);
    const kinds: Record<string, (i: number) => WechatPushMessage> = {
      // 50 tickets at once to one component workflow (signal-with-start on the same ID).
      ticket: (i) => ({
        AppId: c.componentAppid,
        CreateTime: now(),
        InfoType: 'component_verify_ticket',
        ComponentVerifyTicket: `ticket@@@bench-${i}`,
      }),
      // 50 unauthorized events for distinct accounts (signal attempts on absent workflows).
      unauthorized: (i) => ({
        AppId: c.componentAppid,
        CreateTime: now(),
        InfoType: 'unauthorized',
        AuthorizerAppid: `wxbench${String(i).padStart(9, '0')}`,
      }),
    };
    // Warm-up: bundles, connections, the component workflow.
    await push(kinds.ticket!(-1));
    const all: number[] = [];
    for (const [kind, make] of Object.entries(kinds)) {
      const latencies: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const batch = Array.from({ length: CONCURRENCY }, (_, i) => push(make(round * CONCURRENCY + i)));
        latencies.push(...(await Promise.all(batch)));
      }
      latencies.sort((a, b) => a - b);
      all.push(...latencies);
      console.log(
        `${kind.padEnd(13)} n=${latencies.length}  p50=${percentile(latencies, 50).toFixed(1)} ms  p99=${percentile(latencies, 99).toFixed(1)} ms  max=${latencies[latencies.length - 1]!.toFixed(1)} ms`,
      );
    }
    all.sort((a, b) => a - b);
    console.log(
      `all           n=${all.length}  p50=${percentile(all, 50).toFixed(1)} ms  p99=${percentile(all, 99).toFixed(1)} ms  (WeChat alarm at 5000 ms: p99 is ${(percentile(all, 99) / 5000).toFixed(3)} of it)`,
    );
  } finally {
    await stack.teardown();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
