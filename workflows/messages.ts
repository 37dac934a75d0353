/**
 * Messages of every credential workflow, shared by workflows, TokenClient and gateway.
 * Reports name a token by its version, so no token value travels in a signal or update.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export type CredentialStatus =
  'pending' | 'active' | 'refreshing' | 'degraded' | 'expired' | 'reauth_required' | 'credential_invalid' | 'revoked';

/**
 * What readers get, from the `token` query, a `refresh` update or the workflow's memo (published on
 * every change under TOKEN_VIEW_MEMO_KEY, encrypted by the codec): never an expired token.
 */
export interface TokenView {
  status: CredentialStatus;
  accessToken?: string;
  /** Epoch ms. */
  expiresAt?: number;
  /** Increases every time the token value changes (within one run chain, see `firstRunId`). */
  version: number;
  /** Epoch ms the workflow will next refresh on its own; absent while it waits for an outside event. */
  nextRefreshAt?: number;
  /**
   * The first run of the workflow's continue-as-new chain. A re-created workflow (re-authorization
   * after revoke, re-registration) starts a new chain whose versions start again at 1.
   */
  firstRunId?: string;
}

/** Memo key of the published TokenView, read with `describe()` by the history service (no worker). */
export const TOKEN_VIEW_MEMO_KEY = 'tokenView';

export interface FailureSummary {
  at: number;
  category: string;
  code: string;
  message: string;
}

/** Lifecycle without secrets, for operators and the admin API. */
export interface CredentialDescription {
  id: string;
  status: CredentialStatus;
  version: number;
  expiresAt?: number;
  obtainedAt?: number;
  nextRefreshAt?: number;
  refreshes: number;
  passiveRefreshes: number;
  forcedRefreshes: number;
  consecutiveFailures: number;
  lastError?: FailureSummary;
  settings: Record<string, unknown>;
  /** Component workflows: the last good ticket's state (never its value). */
  ticket?: TicketInfo;
  /** Authorizer workflows: the permission-set ids (func_info) granted. */
  permissions?: number[];
}

/** A caller saw the token of this version rejected. */
export interface InvalidationReport {
  version: number;
  reason?: string;
}

export const tokenQuery = defineQuery<TokenView>('token');
export const describeQuery = defineQuery<CredentialDescription>('describe');
export const invalidateSignal = defineSignal<[InvalidationReport]>('invalidate');
export const refreshUpdate = defineUpdate<TokenView, [InvalidationReport]>('refresh');

/** Own-app settings that can change without restarting the workflow (admin API, config reload). */
export interface AppSettings {
  mode: 'stable' | 'basic';
  secretRef: { env: string } | { file: string };
  /** Digest of the settings above, published as the TokenSettings search attribute. */
  digest?: string;
}
export const configureSignal = defineSignal<[AppSettings]>('configure');

/** `fresh` until `staleAfterMs` without a push, `expired` past the ticket's validity. */
export type TicketState = 'missing' | 'fresh' | 'stale' | 'expired';

export interface TicketInfo {
  state: TicketState;
  /** Epoch ms the last good ticket arrived. */
  receivedAt?: number;
  /** As of the workflow's last activation (queries see workflow time). */
  ageMs?: number;
  startPushCalls: number;
  lastStartPush?: { at: number; outcome: string };
}

/** Component settings; the secret is a reference resolved by activities, never a value. */
export interface ComponentSettings {
  /** Absent for Baidu, whose TP token needs only client_id + ticket. */
  secretRef?: { env: string } | { file: string };
  /** How long a pushed ticket stays usable (WeChat: 12 h, Douyin 3 h, Baidu 3 h by default). */
  ticketValidityMs: number;
  /** Silence after which the ticket shows as stale and api_start_push_ticket is called. */
  staleTicketAfterMs: number;
  /** Digest of the settings above, published as the TokenSettings search attribute. */
  digest?: string;
}
export const configureComponentSignal = defineSignal<[ComponentSettings]>('configure');

/** A pushed component_verify_ticket (its value travels only in encrypted payloads). */
export interface TicketPush {
  ticket: string;
  /** The push's CreateTime, unix seconds. */
  createTime: number;
}
export const ticketSignal = defineSignal<[TicketPush]>('ticket');

/** The outcome of exchanging an authorization code (api_query_auth), handed to the authorizer workflow. */
export interface AuthorizerGrant {
  accessToken?: string;
  expiresInMs?: number;
  latencyMs: number;
  refreshToken?: string;
  funcInfo: number[];
  /** authorized / updateauthorized event, redirect callback. */
  source: string;
  /**
   * Single-use platforms: the code's exchange had an ambiguous outcome (it may have been consumed),
   * so there are no tokens; the authorizer recovers (retrieve a fresh code, exchange it) at once.
   */
  recover?: string;
}
export const authorizeSignal = defineSignal<[AuthorizerGrant]>('authorize');

/** The account withdrew its authorization (unauthorized push). */
export const revokeSignal = defineSignal<[{ at: number }]>('revoke');
