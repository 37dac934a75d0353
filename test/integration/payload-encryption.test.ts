/**
 * Invariant 5 against a real dev server: what the codec-equipped worker and client write is
 * unreadable in the raw history (payloads, memo, failure messages), yet reads back through the codec.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { codecProbeWorkflow, stackProbeWorkflow } from '../workflows';
import { createKeyRing } from '../../codec/codec';
import { createDataConverter } from '../../codec/data-converter';
import { rawHistory } from '../harness/raw-history';
import { createDevEnvironment, workflowBundle, type DevEnvironment } from '../harness/temporal';

const ring = createKeyRing('test-key', [['test-key', randomBytes(32)]]);
const dataConverter = createDataConverter(ring);

/** Neither the bytes the server stores nor their JSON rendering holds `secret`, in the clear or base64. */
function expectAbsent(history: { bytes: Buffer; json: string }, secret: string) {
  expect(history.bytes.includes(secret)).toBe(false);
  expect(history.json).not.toContain(secret);
  expect(history.json).not.toContain(Buffer.from(secret).toString('base64').slice(0, 24));
}

describe('payload encryption on the dev server', () => {
  let dev: DevEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let codecClient: Client;

  beforeAll(async () => {
    dev = await createDevEnvironment();
    // The bundle carries the encrypting failure converter, or workflow failures would be written in the clear.
    bundle = await workflowBundle();
    codecClient = new Client({ connection: dev.env.connection, namespace: dev.env.namespace, dataConverter });
  }, 180_000);
  afterAll(async () => {
    await dev?.teardown();
  });

  async function withWorker<R>(fn: (taskQueue: string) => Promise<R>): Promise<R> {
    const taskQueue = `codec-${randomUUID()}`;
    const worker = await Worker.create({
      connection: dev.env.nativeConnection,
      namespace: dev.env.namespace,
      taskQueue,
      workflowBundle: bundle,
      dataConverter,
    });
    return worker.runUntil(fn(taskQueue));
  }

  it('keeps memo, input and result out of the raw history', async () => {
    const secret = `memo-secret-${randomUUID()}`;
    const workflowId = `codec/${randomUUID()}`;
    const result = await withWorker((taskQueue) =>
      codecClient.workflow.execute(stackProbeWorkflow, { taskQueue, workflowId, args: [1], memo: { secret } }),
    );
    expect(result).toBe(0);

    const raw = await rawHistory(dev.env.client, workflowId);
    expect(raw.events.length).toBeGreaterThan(3);
    expectAbsent(raw, secret);
    // The payloads are there, encrypted under the named key, so the check above means something.
    expect(raw.bytes.includes('binary/encrypted')).toBe(true);
    expect(raw.bytes.includes('test-key')).toBe(true);
    expect(raw.bytes.includes('json/plain')).toBe(false);

    const described = await codecClient.workflow.getHandle(workflowId).describe();
    expect(described.memo).toEqual({ secret });
    // A client without the codec sees only ciphertext.
    const plainClient = new Client({ connection: dev.env.connection, namespace: dev.env.namespace });
    await expect(plainClient.workflow.getHandle(workflowId).describe()).rejects.toThrow(
      /Unknown encoding: binary\/encrypted/,
    );
  });

  it('encrypts failure messages and stack traces', async () => {
    const secret = `failure-secret-${randomUUID()}`;
    const workflowId = `codec/${randomUUID()}`;
    const error = await withWorker((taskQueue) =>
      codecClient.workflow.execute(codecProbeWorkflow, { taskQueue, workflowId, args: [secret] }),
    ).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause?.message).toBe(secret);

    const raw = await rawHistory(dev.env.client, workflowId);
    expectAbsent(raw, secret);
    expect(raw.json).toContain('codecProbeWorkflow'); // the type name is not encrypted, but that is not a secret
    const failed = raw.events.find((event) => event.workflowExecutionFailedEventAttributes);
    const failure = failed?.workflowExecutionFailedEventAttributes?.failure;
    expect(failure?.message).toBe('Encoded failure');
    expect(failure?.stackTrace ?? '').toBe('');
    expect(failure?.encodedAttributes?.metadata?.encoding).toBeDefined();
  });
});
