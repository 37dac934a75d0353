/**
 * A token-central worker as its own OS process, for tests that SIGKILL it mid-activity. Configured
 * by environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TASK_QUEUE, SANDBOX_URL, WORKFLOW_BUNDLE
 * (a prebuilt bundle's code path), TEST_CODEC_KEY (base64, the test data converter's key) and
 * WORKER_SECRETS (JSON env the activities resolve secret references from). Prints `ready` once polling.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createKeyRing } from '../../codec/codec';
import { createDataConverter } from '../../codec/data-converter';
import { allPlatformsAt, createWorker } from '../../worker/worker';

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

// Never outlive the test that started us.
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    process.exit(1);
  }
}, 1_000).unref();

async function main() {
  const address = need('TEMPORAL_ADDRESS');
  const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
  const taskQueue = need('TASK_QUEUE');
  const sandboxUrl = need('SANDBOX_URL');
  const dataConverter = createDataConverter(
    createKeyRing('test', [['test', Buffer.from(need('TEST_CODEC_KEY'), 'base64')]]),
  );
  const secrets = JSON.parse(need('WORKER_SECRETS')) as Record<string, string>;
  const client = new Client({ connection: await Connection.connect({ address }), namespace, dataConverter });
  const worker = await createWorker({
    connection: await NativeConnection.connect({ address }),
    client,
    namespace,
    taskQueue,
    workflowBundle: { codePath: need('WORKFLOW_BUNDLE') },
    platforms: allPlatformsAt(sandboxUrl),
    httpTimeoutMs: 2_000,
    env: secrets,
    dataConverter,
  });
  const running = worker.run();
  process.stdout.write('ready\n');
  await running;
}

main().catch((err: unknown) => {
  process.stderr.write(`worker process failed: ${String(err)}\n`);
  process.exit(1);
});
