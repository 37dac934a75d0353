/**
 * The recorded histories of test/replay/histories/ (written by `npm run record:histories`) and the
 * TEST-ONLY codec key their payloads are encrypted with. Shared by the recorder and the replay tests.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { createDataConverter } from '../../codec/data-converter';
import { readCodecKeysFile } from '../../codec/key-ring';
import type { KeyRing } from '../../codec/codec';

export const HISTORIES_DIR = path.join(__dirname, 'histories');
/** A public key committed with the histories: it protects nothing and is never configured anywhere else. */
export const TEST_ONLY_KEYS_FILE = path.join(__dirname, 'TEST-ONLY-codec-keys.json');

export function replayKeyRing(): KeyRing {
  return readCodecKeysFile(TEST_ONLY_KEYS_FILE, 'test/replay/TEST-ONLY-codec-keys.json');
}

/**
 * The project's codec under the test-only key, as clients have it: a payload it cannot read fails the
 * replay (the worker's converter would read it as absent and hide the problem).
 */
export function replayDataConverter(): DataConverter {
  return createDataConverter(replayKeyRing());
}

export interface RecordedHistory {
  /**
   * Path under HISTORIES_DIR without `.json`: `<scenario>`, `<scenario>.run<N>` for later runs of one
   * workflow, `<folder>/…` for a kept older recording.
   */
  name: string;
  /** The workflow ID it was recorded under: replay needs it (e.g. IDs of child workflows derive from it). */
  workflowId: string;
  workflowType: string;
  history: temporal.api.history.v1.IHistory;
}

/** In each folder, next to the histories: file stem → the workflow ID it ran under (child IDs derive from it). */
export const WORKFLOW_IDS_FILE = 'workflow-ids.json';

/**
 * Every history under HISTORIES_DIR: the current recording at the top, and in subfolders the
 * recordings kept from before a patch (their runs may still be out there; they replay the old branch).
 */
export function loadRecordedHistories(dir = HISTORIES_DIR, prefix = ''): RecordedHistory[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  const ids = entries.some((entry) => entry.name === WORKFLOW_IDS_FILE)
    ? (JSON.parse(readFileSync(path.join(dir, WORKFLOW_IDS_FILE), 'utf8')) as Record<string, string>)
    : {};
  return entries.flatMap((entry): RecordedHistory[] => {
    if (entry.isDirectory()) return loadRecordedHistories(path.join(dir, entry.name), `${prefix}${entry.name}/`);
    if (!entry.name.endsWith('.json') || entry.name === WORKFLOW_IDS_FILE) return [];
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, entry.name), 'utf8')));
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const stem = entry.name.slice(0, -'.json'.length);
    const workflowId = ids[stem];
    if (!workflowId) throw new Error(`${prefix}${entry.name}: no workflow ID in ${prefix}${WORKFLOW_IDS_FILE}`);
    return [{ name: `${prefix}${stem}`, workflowId, workflowType: started?.workflowType?.name ?? '?', history }];
  });
}
