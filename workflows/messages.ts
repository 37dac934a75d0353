/**
 * Messages of every credential workflow, shared by workflows, TokenClient and gateway.
 * Reports name a token by its version, so no token value travels in a signal or update.
 *
 * Every signal and update argument has a zod schema here, the single definition of its type:
 * senders parse with it before sending, and the workflows parse again on receipt
 * (workflows/validated-handlers.ts), since anyone holding the codec keys can send anything.
 * A message that does not parse is refused by the update validator, or ignored with a log for a
 * signal; only the parsed value (unknown keys stripped) is ever stored.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { z } from 'zod';

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
  /** Authorizer workflows: the permissions granted (WeChat func_info, Douyin ids, Baidu scope names). */
  permissions?: Permission[];
}

/** Bounds shared by the schemas below: far above anything a platform sends, far below what hurts. */
const MAX_TOKEN_CHARS = 4096;
const MAX_TEXT_CHARS = 512;
const DAY_MS = 86_400_000;
const epochInt = (max: number) => z.number().int().min(0).max(max);

/** A caller saw the token of this version rejected. */
export const invalidationReportSchema = z.object({
  version: epochInt(Number.MAX_SAFE_INTEGER),
  reason: z.string().max(MAX_TEXT_CHARS).optional(),
});
export type InvalidationReport = z.infer<typeof invalidationReportSchema>;

export const tokenQuery = defineQuery<TokenView>('token');
export const describeQuery = defineQuery<CredentialDescription>('describe');
export const invalidateSignal = defineSignal<[InvalidationReport]>('invalidate');
export const refreshUpdate = defineUpdate<TokenView, [InvalidationReport]>('refresh');

/**
 * Where an activity finds a secret (never the secret). The shape only: which variables and files
 * may be named is the configuration's business (config/config.ts, config/secrets.ts).
 */
export const secretRefMessageSchema = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/) }),
  z.strictObject({
    file: z
      .string()
      .min(1)
      .max(1024)
      .regex(/^[^\0]+$/),
  }),
]);
/** A settings digest (client/credentials.ts settingsDigest): published as a search attribute, so 16 hex only. */
const settingsDigestSchema = z.string().regex(/^[0-9a-f]{16}$/);

/** Own-app settings that can change without restarting the workflow (admin API, config reload). */
export const appSettingsSchema = z.object({
  mode: z.enum(['stable', 'basic']),
  secretRef: secretRefMessageSchema,
  /** Digest of the settings above, published as the TokenSettings search attribute. */
  digest: settingsDigestSchema.optional(),
});
export type AppSettings = z.infer<typeof appSettingsSchema>;
export const configureSignal = defineSignal<[AppSettings]>('configure');

/** `fresh` until `staleAfterMs` without a push, `expired` past the ticket's validity. */
export type TicketState = 'missing' | 'fresh' | 'stale' | 'expired';

export interface TicketInfo {
  state: TicketState;
  /** Epoch ms the last good ticket arrived. */
  receivedAt?: number;
  /** Epoch ms the platform created it (its CreateTime, never later than its arrival): validity counts from here. */
  createdAt?: number;
  /** As of the workflow's last activation (queries see workflow time). */
  ageMs?: number;
  startPushCalls: number;
  lastStartPush?: { at: number; outcome: string };
}

/** Component settings; the secret is a reference resolved by activities, never a value. */
export const componentSettingsSchema = z.object({
  /** Absent for Baidu, whose TP token needs only client_id + ticket. */
  secretRef: secretRefMessageSchema.optional(),
  /** How long a pushed ticket stays usable (WeChat: 12 h, Douyin 3 h, Baidu 3 h by default). */
  ticketValidityMs: z
    .number()
    .int()
    .positive()
    .max(30 * DAY_MS),
  /** Silence after which the ticket shows as stale and api_start_push_ticket is called. */
  staleTicketAfterMs: z
    .number()
    .int()
    .positive()
    .max(30 * DAY_MS),
  /** Digest of the settings above, published as the TokenSettings search attribute. */
  digest: settingsDigestSchema.optional(),
});
export type ComponentSettings = z.infer<typeof componentSettingsSchema>;
export const configureComponentSignal = defineSignal<[ComponentSettings]>('configure');

/** A pushed component_verify_ticket (its value travels only in encrypted payloads). */
export const ticketPushSchema = z.object({
  ticket: z.string().min(1).max(MAX_TEXT_CHARS),
  /** The push's CreateTime, unix seconds. */
  createTime: epochInt(2 ** 32),
});
export type TicketPush = z.infer<typeof ticketPushSchema>;
export const ticketSignal = defineSignal<[TicketPush]>('ticket');

/** A granted permission: a permission-set id (WeChat, Douyin) or a scope name (Baidu). */
export const permissionSchema = z.union([epochInt(1_000_000), z.string().min(1).max(64)]);
export type Permission = z.infer<typeof permissionSchema>;

/** The outcome of exchanging an authorization code (api_query_auth), handed to the authorizer workflow. */
export const authorizerGrantSchema = z.object({
  accessToken: z.string().min(1).max(MAX_TOKEN_CHARS).optional(),
  expiresInMs: z
    .number()
    .int()
    .positive()
    .max(90 * DAY_MS)
    .optional(),
  latencyMs: z.number().min(0).max(DAY_MS),
  refreshToken: z.string().min(1).max(MAX_TOKEN_CHARS).optional(),
  /** Permissions granted: WeChat func_info and Douyin authorize_permission ids, Baidu scope names (app info). */
  funcInfo: z.array(permissionSchema).max(512),
  /** authorized / updateauthorized event, redirect callback. */
  source: z.string().regex(/^[A-Za-z_]{1,32}$/),
  /**
   * Single-use platforms: the code's exchange had an ambiguous outcome (it may have been consumed),
   * so there are no tokens; the authorizer recovers (retrieve a fresh code, exchange it) at once.
   */
  recover: z.string().min(1).max(MAX_TEXT_CHARS).optional(),
  /**
   * When the account authorized, epoch ms on the platform's clock (the event's CreateTime /
   * EventTime; a redirect's arrival). An `unauthorized` older than the newest grant does not revoke.
   */
  authorizedAt: epochInt(Number.MAX_SAFE_INTEGER).optional(),
});
export type AuthorizerGrant = z.infer<typeof authorizerGrantSchema>;
export const authorizeSignal = defineSignal<[AuthorizerGrant]>('authorize');

/** The account withdrew its authorization (unauthorized push); `at` is epoch ms. */
export const revocationSchema = z.object({ at: epochInt(Number.MAX_SAFE_INTEGER) });
export type Revocation = z.infer<typeof revocationSchema>;
export const revokeSignal = defineSignal<[Revocation]>('revoke');

/**
 * authCodeWorkflow: another delivery of the same code named its account (a redirect's code, then
 * its event), which an ambiguous exchange needs for recovery. Sent by `submitAuthCode`.
 */
export const authCodeAccountSchema = z.object({ authorizerAppid: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
export type AuthCodeAccount = z.infer<typeof authCodeAccountSchema>;
export const authCodeAccountSignal = defineSignal<[AuthCodeAccount]>('authCodeAccount');
