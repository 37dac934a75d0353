/**
 * The prebuilt workflow bundle (worker/workflow-bundle.ts): built once per workflow version, reused
 * after, and carrying the encrypting failure converter.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { prebuiltWorkflowBundle } from '../../../worker/workflow-bundle';

test('the prebuilt workflow bundle is built once per workflow version and carries the encrypting failure converter', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tc-bundle-'));
  try {
    const first = await prebuiltWorkflowBundle(dir);
    const second = await prebuiltWorkflowBundle(dir);
    expect(second.codePath).toBe(first.codePath);
    expect(readdirSync(dir)).toEqual([path.basename(first.codePath)]);
    // Without it, workflow failure messages would be written to history in the clear.
    expect(readFileSync(first.codePath, 'utf8')).toContain('encodeCommonAttributes: true');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
