/**
 * The workflow-side shell around CredentialState shared by every credential workflow: message
 * handlers (token, describe, invalidate, refresh), the sleep-until-due-or-reported wait (which also
 * wakes at the token's expiry), one refresh attempt with its bookkeeping, and what is published:
 * the token view in the memo (read by TokenClient with `describe()`, no worker needed), search
 * attributes, and what the Web UI shows. Each workflow supplies only how to obtain a token.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  ChildWorkflowFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  makeContinueAsNewFunc,
  patched,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
  type Workflow,
} from '@temporalio/workflow';
import type { PlatformFailureDetails } from '../platforms/errors';
import {
  acceptReport,
  effectiveStatus,
  expiryWakeTime,
  hasValidToken,
  nextRefreshTime,
  recordFailure,
  recordSuccess,
  tokenView,
  type CredentialState,
  type ObtainedToken,
} from './credential-state';
import {
  describeQuery,
  invalidateSignal,
  invalidationReportSchema,
  refreshUpdate,
  tokenQuery,
  TOKEN_VIEW_MEMO_KEY,
  type CredentialDescription,
  type CredentialStatus,
  type FailureSummary,
  type TokenView,
} from './messages';
import type { RefreshPolicy } from './refresh-schedule';
import { TokenExpiresAt, TokenSettings, TokenStatus } from './search-attributes';
import { OPS_MEMO_KEY, type CredentialOps } from './ops-memo';
import { credentialOfId, isNotifiedChange, type StatusNotification } from './status-change';
import { startNotification } from './webhook-notification';
import { setValidatedSignalHandler, setValidatedUpdateHandler } from './validated-handlers';

export interface Attempt {
  obtained: ObtainedToken;
  forced?: boolean;
  /** A problem worth showing although a token was obtained (e.g. force refresh not allowed). */
  warning?: FailureSummary;
}

export interface EntityOptions {
  id: string;
  policy(): RefreshPolicy;
  settings(): Record<string, unknown>;
  /** Extra lifecycle facts for `describe` (ticket state, permissions). */
  details?(): Partial<CredentialDescription>;
  /** Extra operational facts for the fleet metrics (ops-memo.ts), e.g. a component's ticket receipt. */
  ops?(): CredentialOps;
}

/** Keeps history bounded even where the server does not suggest continue-as-new. */
const MAX_HISTORY_EVENTS = 10_000;

/** Publishes a new settings digest (TokenSettings), so a restart of an unchanged fleet signals nothing. */
export function publishSettingsDigest(digest: string | undefined): void {
  if (digest) upsertSearchAttributes([{ key: TokenSettings, value: digest }]);
}

export class CredentialEntity {
  private published: { status?: CredentialStatus; expiresAt?: number } = {};
  /**
   * What each memo key last held (JSON): a key is upserted only when its value changes, since every
   * upsert is a history event. No `ops` yet counts as `{}` (nothing to write).
   */
  private readonly memoWritten = new Map<string, string>([[OPS_MEMO_KEY, '{}']]);
  /** A refresh attempt is in flight (shown by `describe` and the UI; readers keep the current view). */
  private refreshing = false;
  /** The status notifications compare against (carried over continue-as-new through the memo's view). */
  private notifiedStatus: CredentialStatus | undefined;
  /** Notification children being started: a run awaits them before it closes. */
  private readonly notifications: Promise<void>[] = [];
  /**
   * Status-change webhooks and the `ops` memo issue commands (child starts, memo upserts) that
   * histories written before them lack: only runs started since (docs/changing-workflows.md).
   */
  readonly opsAndWebhooks: boolean = patched('status-webhooks-ops-memo');

  constructor(
    public state: CredentialState,
    private readonly options: EntityOptions,
  ) {
    // A run continued-as-new may start with the previous run's memo: no need to write it again.
    const memo = workflowInfo().memo ?? {};
    for (const key of [TOKEN_VIEW_MEMO_KEY, OPS_MEMO_KEY]) {
      if (memo[key] !== undefined) this.memoWritten.set(key, JSON.stringify(memo[key]));
    }
    this.notifiedStatus = (memo[TOKEN_VIEW_MEMO_KEY] as TokenView | undefined)?.status ?? this.view().status;
    // Readers find a view from the first workflow task on (before that they ask the `token` query).
    this.publishView();
  }

  /** What readers get now: the `token` query, `refresh` answers and the memo agree by construction. */
  view(): TokenView {
    return { ...tokenView(this.state, Date.now()), firstRunId: workflowInfo().firstExecutionRunId };
  }

  /** Registers the shared handlers; call before the workflow's first await. */
  registerHandlers(): void {
    setHandler(tokenQuery, () => this.view());
    setHandler(describeQuery, () => this.describe());
    setValidatedSignalHandler(invalidateSignal, invalidationReportSchema, (report) => {
      this.state = acceptReport(this.state, report.version).state;
    });
    setValidatedUpdateHandler(refreshUpdate, invalidationReportSchema, async (report) => {
      const { state, outcome } = acceptReport(this.state, report.version);
      this.state = state;
      if (outcome === 'accepted' || outcome === 'coalesced') {
        await condition(() => this.state.reportedVersion !== report.version);
      }
      return this.view();
    });
  }

  get hasPendingReport(): boolean {
    return this.state.reportedVersion !== undefined;
  }

  /**
   * Sleeps until the refresh is due, a report arrives, `wake()` turns true, `alsoWakeAt` (epoch ms)
   * passes, or the token expires (then the caller loops and the next call publishes `expired`).
   * True when the refresh is due.
   */
  async sleepUntilDue(wake: () => boolean = () => false, alsoWakeAt?: number): Promise<boolean> {
    const now = Date.now();
    this.publish();
    const due = this.state.nextRefreshAt;
    const woken = () => this.hasPendingReport || wake();
    if (woken()) return false;
    if (due !== undefined && due <= now) return true;
    const until = Math.min(due ?? Infinity, alsoWakeAt ?? Infinity, expiryWakeTime(this.state, now) ?? Infinity);
    if (until === Infinity) {
      await condition(woken);
      return false;
    }
    if (await condition(woken, Math.max(1, until - now))) return false;
    // Timed out: due unless an earlier wake-up (`alsoWakeAt`, the expiry) ended the sleep.
    return due !== undefined && (until === due || Date.now() >= due);
  }

  /** Records a token obtained outside `refresh` (an exchanged authorization code). */
  accept(obtained: ObtainedToken): void {
    this.state = recordSuccess({ ...this.state, consecutiveFailures: 0, lastError: undefined }, obtained, Date.now(), {
      passive: false,
      forced: false,
    });
    this.publish();
  }

  /** Runs one refresh attempt through `obtain`, recording its success or failure. */
  async refresh(obtain: (passive: boolean) => Promise<Attempt>): Promise<boolean> {
    const passive = this.hasPendingReport;
    this.refreshing = true;
    this.showDetails();
    try {
      const attempt = await obtain(passive);
      this.state = recordSuccess(this.state, attempt.obtained, Date.now(), { passive, forced: !!attempt.forced });
      if (attempt.warning) this.state = { ...this.state, lastError: attempt.warning };
      return true;
    } catch (err) {
      rethrowBug(err);
      this.state = recordFailure(this.state, failureSummary(err, Date.now()), Date.now());
      return false;
    } finally {
      this.refreshing = false;
      this.publish();
    }
  }

  /** Changes status from outside the refresh cycle (authorization, revocation, stale ticket). */
  setStatus(status: CredentialStatus): void {
    this.state = { ...this.state, status };
    this.publish();
  }

  /**
   * Safe point for continue-as-new: every handler finished, no report waiting for its refresh.
   * A pending report wins (its handlers wait for the refresh, so waiting for them would deadlock);
   * the caller refreshes and asks again.
   */
  async shouldContinueAsNew(): Promise<boolean> {
    const info = workflowInfo();
    if (!info.continueAsNewSuggested && info.historyLength < MAX_HISTORY_EVENTS) return false;
    await condition(() => allHandlersFinished() || this.hasPendingReport);
    return allHandlersFinished() && !this.hasPendingReport;
  }

  /**
   * Continues as new carrying the published view: the server does not copy a memo to the next run,
   * and without it a read between the two runs (worker down) would find no view.
   */
  async continueAsNew<F extends Workflow>(...args: Parameters<F>): Promise<never> {
    await this.notificationsStarted();
    const ops = this.opsAndWebhooks ? { [OPS_MEMO_KEY]: this.ops() } : {};
    return makeContinueAsNewFunc<F>({ memo: { [TOKEN_VIEW_MEMO_KEY]: this.view(), ...ops } })(...args);
  }

  /**
   * Starts the webhook delivery of a change (webhook-notification.ts) and goes on: delivery runs in
   * its own workflow. The credential's names and the time are filled in here.
   */
  notify(change: Pick<StatusNotification, 'type' | 'oldStatus' | 'newStatus' | 'reason'>): void {
    this.notifications.push(startNotification({ ...credentialOfId(this.options.id), ...change, at: Date.now() }));
  }

  /** Resolves once every notification child has started; await before the run closes. */
  async notificationsStarted(): Promise<void> {
    await Promise.all(this.notifications.splice(0));
  }

  describe(): CredentialDescription {
    const now = Date.now();
    const s = this.state;
    const lapsed = s.token !== undefined && !hasValidToken(s, now);
    return {
      id: this.options.id,
      status: this.refreshing && !lapsed ? 'refreshing' : effectiveStatus(s, now),
      version: s.version,
      expiresAt: hasValidToken(s, now) ? s.token?.expiresAt : undefined,
      obtainedAt: s.token?.obtainedAt,
      nextRefreshAt: s.nextRefreshAt,
      refreshes: s.refreshes,
      passiveRefreshes: s.passiveRefreshes,
      forcedRefreshes: s.forcedRefreshes,
      consecutiveFailures: s.consecutiveFailures,
      lastError: s.lastError,
      settings: this.options.settings(),
      ...this.options.details?.(),
    };
  }

  /**
   * Brings the schedule (nextRefreshAt) up to date and publishes what changed: the token view in the
   * memo, search attributes (each upsert is a history event, so only on change) and UI details.
   */
  publish(): void {
    const now = Date.now();
    const nextRefreshAt = nextRefreshTime(this.state, this.options.policy(), this.options.id, now);
    if (nextRefreshAt !== this.state.nextRefreshAt) this.state = { ...this.state, nextRefreshAt };
    const status = effectiveStatus(this.state, now);
    const expiresAt = this.state.token?.expiresAt;
    const updates = [];
    if (status !== this.published.status) updates.push({ key: TokenStatus, value: status });
    if (expiresAt !== undefined && expiresAt !== this.published.expiresAt) {
      updates.push({ key: TokenExpiresAt, value: new Date(expiresAt) });
    }
    if (updates.length > 0) upsertSearchAttributes(updates);
    this.published = { status, expiresAt };
    if (this.opsAndWebhooks && isNotifiedChange(this.notifiedStatus, status)) {
      this.notify({
        type: 'credential.status_changed',
        oldStatus: this.notifiedStatus,
        newStatus: status,
        reason: notificationReason(status, this.state.lastError),
      });
    }
    this.notifiedStatus = status;
    this.publishView();
    if (this.opsAndWebhooks) this.publishOps();
    this.showDetails();
  }

  /** The token view in the memo (encrypted by the codec like every payload), only when it changed. */
  private publishView(): void {
    this.upsertMemoOnChange(TOKEN_VIEW_MEMO_KEY, this.view());
  }

  private ops(): CredentialOps {
    const forceRefreshTimes = this.state.forceTimes;
    return { ...(forceRefreshTimes.length > 0 ? { forceRefreshTimes } : {}), ...this.options.ops?.() };
  }

  /** Operational facts for the fleet metrics in the memo, only when they changed. */
  private publishOps(): void {
    this.upsertMemoOnChange(OPS_MEMO_KEY, this.ops());
  }

  private upsertMemoOnChange(key: string, value: object): void {
    const serialized = JSON.stringify(value);
    if (serialized === this.memoWritten.get(key)) return;
    upsertMemo({ [key]: value });
    this.memoWritten.set(key, serialized);
  }

  /** Refreshes the Web UI's current details (e.g. during a multi-step recovery). */
  showDetails(): void {
    const d = this.describe();
    const time = (ms?: number) => (ms === undefined ? '—' : new Date(ms).toISOString());
    const lines = [
      `**${d.id}** — status \`${d.status}\``,
      '',
      `| | |`,
      `|---|---|`,
      `| token version | ${d.version} |`,
      `| expires at | ${time(d.expiresAt)} |`,
      `| next refresh | ${time(d.nextRefreshAt)} |`,
      `| refreshes (passive / forced) | ${d.refreshes} (${d.passiveRefreshes} / ${d.forcedRefreshes}) |`,
      `| consecutive failures | ${d.consecutiveFailures} |`,
      `| last error | ${d.lastError ? `${d.lastError.code}: ${d.lastError.message} (${time(d.lastError.at)})` : '—'} |`,
      ...Object.entries(d.settings).map(([key, value]) => `| ${key} | ${String(value)} |`),
    ];
    setCurrentDetails(lines.join('\n'));
  }
}

/**
 * Rethrows anything but an activity's or a child workflow's failure or an ApplicationFailure thrown
 * on purpose (a classified platform failure): any other error is a bug in workflow code. Rethrown, it fails the
 * workflow task, which Temporal retries until a fixed worker replays the history; recorded as a
 * `retry_later` failure it would repeat forever unnoticed. Call first in every catch of a refresh path.
 */
export function rethrowBug(err: unknown): void {
  if (!(err instanceof ActivityFailure || err instanceof ChildWorkflowFailure || err instanceof ApplicationFailure)) {
    throw err;
  }
}

/** Why a credential changed status, for a webhook: never a token or secret (error messages carry none). */
function notificationReason(status: CredentialStatus, lastError: FailureSummary | undefined): string | undefined {
  if (status === 'revoked') return 'the account withdrew its authorization';
  if (!lastError || status === 'active') return undefined;
  return `${lastError.category}/${lastError.code}: ${lastError.message}`.slice(0, 300);
}

/**
 * A failure with what matters for single-use tokens: whether the request may have been acted on
 * (the adapter's `ambiguous`) or the activity attempt timed out (e.g. the worker died mid-call).
 */
export function failureFacts(
  err: unknown,
  now: number,
): FailureSummary & { ambiguous: boolean; activityTimeout: boolean } {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  const summary = failureSummary(err, now);
  const details =
    cause instanceof ApplicationFailure && cause.type === 'PlatformError'
      ? (cause.details?.[0] as PlatformFailureDetails | undefined)
      : undefined;
  return { ...summary, ambiguous: details?.ambiguous === true, activityTimeout: cause instanceof TimeoutFailure };
}

/** Turns an activity failure into the platform's classified error; anything else is transient. */
export function failureSummary(err: unknown, now: number): FailureSummary {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    if (cause.type === 'PlatformError') {
      const details = cause.details?.[0] as PlatformFailureDetails | undefined;
      if (details) return { at: now, category: details.category, code: details.code, message: details.message };
    }
    if (cause.type === 'SecretUnavailable') {
      return { at: now, category: 'credential_invalid', code: 'secret_unavailable', message: cause.message };
    }
    return { at: now, category: 'retry_later', code: cause.type ?? 'error', message: cause.message };
  }
  if (cause instanceof TimeoutFailure) {
    return { at: now, category: 'retry_later', code: 'activity_timeout', message: cause.message };
  }
  return {
    at: now,
    category: 'retry_later',
    code: 'error',
    message: cause instanceof Error ? cause.message : 'unknown',
  };
}
