/**
 * Histories as the Temporal server stores and serves them, read through the raw workflow service
 * (no data converter, no codec): what anyone with access to the server sees. For the tests of
 * invariant 5 — secrets must not be readable there — and of codec keys.
 */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { KEY_ID_METADATA_KEY } from '../../codec/codec';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface RawHistory {
  runId: string;
  events: HistoryEvent[];
  /** The history's protobuf encoding. */
  bytes: Buffer;
  /** A JSON rendering in which every byte array shows as base64 and as UTF-8. */
  json: string;
}

/** One run of a workflow (the latest unless `runId` is given), every page of it. */
export async function rawHistory(client: Client, workflowId: string, runId = ''): Promise<RawHistory> {
  const events: HistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      nextPageToken,
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  const history = temporal.api.history.v1.History.create({ events });
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  const json = JSON.stringify(history, (_, value: unknown) =>
    value instanceof Uint8Array
      ? { base64: Buffer.from(value).toString('base64'), utf8: Buffer.from(value).toString() }
      : value,
  );
  return { runId, events, bytes, json };
}

/** Every run of a workflow (continue-as-new makes several), listed raw. */
export async function rawHistories(client: Client, workflowId: string): Promise<RawHistory[]> {
  const runIds = new Set<string>();
  // Listed raw: the SDK's list() decodes memos, which a client without the workflow's key cannot.
  let listPage: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query: `WorkflowId = '${workflowId}'`,
      nextPageToken: listPage,
    });
    for (const wf of page.executions ?? []) runIds.add(wf.execution?.runId ?? '');
    listPage = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (listPage);
  runIds.add(''); // the latest run, whatever visibility says
  const histories: RawHistory[] = [];
  for (const runId of runIds) histories.push(await rawHistory(client, workflowId, runId));
  return histories;
}

/** Every encrypted payload anywhere in `events` (those naming a key id). */
export function encryptedPayloads(events: HistoryEvent[]): Payload[] {
  const payloads: Payload[] = [];
  const collect = (value: unknown) => {
    if (!value || typeof value !== 'object' || value instanceof Uint8Array) return;
    if ((value as Payload).metadata?.[KEY_ID_METADATA_KEY]) payloads.push(value as Payload);
    else for (const item of Object.values(value)) collect(item);
  };
  collect(events);
  return payloads;
}
