/**
 * One page of credentials from Temporal visibility, filtered by the search attributes every
 * credential workflow publishes. Shared by the gateway's `GET /v1/apps` and the operator CLI.
 * The page token is Temporal's own, prefixed with a check bound to the filter and base64url-encoded:
 * opaque to callers, and a made-up or mismatched token is refused here (the dev server answers a
 * garbage token with UNKNOWN, not INVALID_ARGUMENT).
 */
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import type { CredentialStatus } from '../workflows/messages';
import {
  TokenAppId,
  TokenComponentAppId,
  TokenExpiresAt,
  TokenKind,
  TokenPlatform,
  TokenStatus,
} from '../workflows/search-attributes';

export type CredentialKind = 'app' | 'component' | 'authorizer';

export interface CredentialFilter {
  platform?: string;
  kind?: CredentialKind;
  status?: CredentialStatus;
  /** The authorizers of this component (revoked ones included) instead of own apps. */
  component?: string;
}

export interface ListedCredential {
  id: string;
  platform?: string;
  kind?: string;
  appid?: string;
  componentAppid?: string;
  status?: string;
  /** Epoch ms. */
  expiresAt?: number;
}

export interface CredentialPage {
  credentials: ListedCredential[];
  /** Absent on the last page. */
  nextPageToken?: string;
}

export class InvalidPageTokenError extends Error {
  override name = 'InvalidPageTokenError';
}

const KEYWORD = /^[A-Za-z0-9_-]+$/;

/** The visibility query for `filter`; values are checked, never interpolated raw. */
export function credentialQuery(filter: CredentialFilter): string {
  for (const value of [filter.platform, filter.status, filter.component, filter.kind]) {
    if (value !== undefined && !KEYWORD.test(value)) throw new TypeError(`invalid filter value: ${value}`);
  }
  const kind = filter.kind ?? (filter.component ? 'authorizer' : 'app');
  // A revoked authorizer's workflow has completed: a component's listing includes closed ones.
  const clauses = filter.component
    ? [`TokenKind = '${kind}'`, `TokenComponentAppId = '${filter.component}'`]
    : ["ExecutionStatus = 'Running'", `TokenKind = '${kind}'`];
  if (filter.platform) clauses.push(`TokenPlatform = '${filter.platform}'`);
  if (filter.status) clauses.push(`TokenStatus = '${filter.status}'`);
  return clauses.join(' AND ');
}

const CHECK_BYTES = 8;
const check = (query: string, raw: Uint8Array) =>
  createHash('sha256').update(query).update('\0').update(raw).digest().subarray(0, CHECK_BYTES);

export function encodePageToken(query: string, raw: Uint8Array): string {
  return Buffer.concat([check(query, raw), raw]).toString('base64url');
}

/** Temporal's token inside `token`, if `token` was handed out for `query`. */
export function decodePageToken(query: string, token: string): Buffer {
  const bytes = Buffer.from(token, 'base64url');
  const raw = bytes.subarray(CHECK_BYTES);
  if (raw.length === 0 || !check(query, raw).equals(bytes.subarray(0, CHECK_BYTES))) {
    throw new InvalidPageTokenError('page_token is not a token this listing handed out (same filters)');
  }
  return raw;
}

export async function listCredentials(
  client: Client,
  filter: CredentialFilter,
  page: { pageSize: number; pageToken?: string },
): Promise<CredentialPage> {
  const query = credentialQuery(filter);
  let response;
  try {
    response = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize: page.pageSize,
      nextPageToken: page.pageToken ? decodePageToken(query, page.pageToken) : undefined,
    });
  } catch (err) {
    const GRPC_INVALID_ARGUMENT = 3;
    if (page.pageToken && (err as { code?: unknown }).code === GRPC_INVALID_ARGUMENT) {
      throw new InvalidPageTokenError('page_token is not a token this listing handed out');
    }
    throw err;
  }
  const seen = new Set<string>();
  const credentials: ListedCredential[] = [];
  for (const raw of response.executions) {
    const info = await executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, client.options.namespace);
    // A re-created credential's closed run may sit next to its running one: list the id once.
    if (seen.has(info.workflowId)) continue;
    seen.add(info.workflowId);
    const attrs = info.typedSearchAttributes;
    const kind = attrs.get(TokenKind);
    credentials.push({
      id: info.workflowId,
      platform: attrs.get(TokenPlatform),
      kind,
      appid: attrs.get(TokenAppId),
      ...(kind !== 'app' ? { componentAppid: attrs.get(TokenComponentAppId) } : {}),
      status: attrs.get(TokenStatus),
      expiresAt: attrs.get(TokenExpiresAt)?.getTime(),
    });
  }
  const next = response.nextPageToken;
  return {
    credentials,
    ...(next && next.length > 0 ? { nextPageToken: encodePageToken(query, next) } : {}),
  };
}
