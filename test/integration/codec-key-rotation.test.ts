/**
 * Codec key rotation across a real history (codec/, invariant 5): a credential workflow and a
 * completed workflow written under key A stay readable — queries, describe, results, replay by a
 * new worker — once key B is current and A is only held for decoding; new payloads are written
 * under B; and a ring that dropped A too early cannot read the old history. Dev server, sandbox
 * at ×2000 (a 7200 s token lives 3.6 s), workers and clients built with each ring.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { registerApp } from '../../client/credentials';
import { TokenClient } from '../../client/token-client';
import { AesGcmCodec, CodecError, createKeyRing, KEY_ID_METADATA_KEY, type KeyRing } from '../../codec/codec';
import { createDataConverter } from '../../codec/data-converter';
import { allPlatformsAt, createWorker } from '../../worker/worker';
import { appWorkflowId, type AppRef } from '../../workflows/credential-ids';
import { describeQuery, tokenQuery } from '../../workflows/messages';
import { stackProbeWorkflow } from '../workflows';
import { eventually } from '../harness/eventually';
import { encryptedPayloads, rawHistories } from '../harness/raw-history';
import { startStack, type Stack } from '../harness/stack';
import { workflowBundle } from '../harness/temporal';

jest.setTimeout(120_000);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ timeScale: 2000, suggestContinueAsNewAt: 40 });
}, 120_000);
afterAll(async () => {
  await stack?.teardown();
});

describe('codec key rotation across a real history', () => {
  const keyA = randomBytes(32);
  const keyB = randomBytes(32);
  const ringA = createKeyRing('key-a', [['key-a', keyA]]);
  // B is current; A is still held, so what was written under A stays readable.
  const ringBA = createKeyRing('key-b', [
    ['key-b', keyB],
    ['key-a', keyA],
  ]);

  function clientWith(ring: KeyRing) {
    return new Client({
      connection: stack.dev.env.connection,
      namespace: stack.dev.env.namespace,
      dataConverter: createDataConverter(ring),
    });
  }

  async function workerWith(ring: KeyRing, taskQueue: string, secrets: Record<string, string>) {
    return createWorker({
      connection: stack.dev.env.nativeConnection,
      client: clientWith(ring),
      namespace: stack.dev.env.namespace,
      taskQueue,
      workflowBundle: await workflowBundle(),
      platforms: allPlatformsAt(stack.sandbox.url),
      httpTimeoutMs: 2_000,
      env: secrets,
      dataConverter: createDataConverter(ring),
    });
  }

  function keyIds(events: temporal.api.history.v1.IHistoryEvent[]): Set<string> {
    const ids = new Set<string>();
    const visit = (value: unknown) => {
      if (!value || typeof value !== 'object') return;
      const metadata = (value as Payload).metadata;
      if (metadata && metadata[KEY_ID_METADATA_KEY]) ids.add(Buffer.from(metadata[KEY_ID_METADATA_KEY]).toString());
      for (const item of Object.values(value)) if (!(item instanceof Uint8Array)) visit(item);
    };
    visit(events);
    return ids;
  }

  it('reads a workflow written under key A with a worker and client whose current key is B', async () => {
    const taskQueue = `rotation-${randomUUID()}`;
    const secrets: Record<string, string> = {};
    const created = await stack.sandbox.control.createWechatApp();
    secrets.ROTATION_SECRET = created.secret;
    const ref: AppRef = { kind: 'app', platform: 'wechat', appid: created.appid };
    const workflowId = appWorkflowId('wechat', created.appid);
    const probeId = `rotation-probe-${randomUUID()}`;

    // Written under A: the app workflow with its first tokens, and a completed workflow's result.
    const clientA = clientWith(ringA);
    const workerA = await workerWith(ringA, taskQueue, secrets);
    const underA = await workerA.runUntil(async () => {
      await registerApp(
        { client: clientA, taskQueue },
        {
          platform: 'wechat',
          appid: created.appid,
          mode: 'basic',
          secret: { env: 'ROTATION_SECRET' },
        },
      );
      await clientA.workflow.execute(stackProbeWorkflow, { taskQueue, workflowId: probeId, args: [1] });
      return eventually(async () => {
        const view = await clientA.workflow.getHandle(workflowId).query(tokenQuery);
        return view.version >= 2 ? view : undefined;
      });
    });
    expect(keyIds((await rawHistories(stack.client, workflowId)).flatMap((h) => h.events))).toEqual(new Set(['key-a']));

    // Key B becomes current; the new worker replays A's history and the new client reads it.
    const clientB = clientWith(ringBA);
    const workerB = await workerWith(ringBA, taskQueue, secrets);
    await workerB.runUntil(async () => {
      const handle = clientB.workflow.getHandle(workflowId);
      const view = await handle.query(tokenQuery);
      expect(view.version).toBeGreaterThanOrEqual(underA.version);
      const description = await handle.query(describeQuery);
      expect(description.version).toBeGreaterThanOrEqual(underA.version);
      expect((await handle.describe()).status.name).toBe('RUNNING');
      expect(await clientB.workflow.getHandle(probeId).result()).toBe(0);
      // New payloads are written under B.
      const fresh = await new TokenClient(clientB).reportInvalid(ref, view.accessToken!);
      expect(fresh.version).toBeGreaterThan(view.version);
    });

    // The raw history now holds both keys' payloads; the ring holding both decodes every one.
    const events = (await rawHistories(stack.client, workflowId)).flatMap((h) => h.events);
    expect(keyIds(events)).toEqual(new Set(['key-a', 'key-b']));
    const payloads = encryptedPayloads(events);
    expect(payloads.length).toBeGreaterThan(4);
    const decoded = await new AesGcmCodec(ringBA).decode(payloads);
    expect(decoded.every((payload) => payload.metadata?.encoding !== undefined)).toBe(true);
    // Dropping A too early would strand that history: a ring with only B cannot read it.
    const ringB = createKeyRing('key-b', [['key-b', keyB]]);
    await expect(new AesGcmCodec(ringB).decode(payloads)).rejects.toThrow(CodecError);
  });
});
