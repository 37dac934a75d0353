/**
 * A prebuilt workflow bundle: webpack-bundling the workflows takes seconds of CPU at every start,
 * so the bundle is built once per version of the workflow code and kept in the data directory.
 * The file name carries a digest of every workflow source, so a code change builds a new one.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { failureConverterPath } from '../codec/data-converter';

const workflowsDir = path.resolve(__dirname, '../workflows');

function sourceDigest(): string {
  const hash = createHash('sha256');
  hash.update(readFileSync(require.resolve('@temporalio/workflow/package.json')));
  const sources = [...readdirSync(workflowsDir).map((file) => path.join(workflowsDir, file)), failureConverterPath];
  for (const file of sources.sort()) hash.update(file).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/** The bundle's path, built into `cacheDir` first when this version of the workflows has none. */
export async function prebuiltWorkflowBundle(cacheDir: string): Promise<{ codePath: string }> {
  const codePath = path.join(cacheDir, `workflow-bundle-${sourceDigest()}.js`);
  if (!existsSync(codePath)) {
    // A prebuilt bundle ignores the worker's failure converter: it must be bundled in, or failures go in the clear.
    const { code } = await bundleWorkflowCode({
      workflowsPath: workflowsDir,
      failureConverterPath,
      logger: quietLogger,
    });
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    // Write then rename (atomic): no half bundle after a crash, and workers starting together each write their own.
    const partial = `${codePath}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, codePath);
  }
  return { codePath };
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => process.stderr.write(`workflow bundle: ${message}\n`),
  error: (message: string) => process.stderr.write(`workflow bundle: ${message}\n`),
};
