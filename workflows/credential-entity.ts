/**
 * The workflow-side shell around CredentialState shared by every credential workflow: message
 * handlers (token, describe, invalidate, refresh), the sleep-until-due-or-reported wait, one
 * refresh attempt with its bookkeeping, and what the Web UI shows. Each workflow supplies only
 * how to obtain a token.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  TimeoutFailure,
  allHandlersFinished,
  condition,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { PlatformFailureDetails } from '../platforms/errors';
import {
  acceptReport,
  effectiveStatus,
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
  refreshUpdate,
  tokenQuery,
  type CredentialDescription,
  type CredentialStatus,
  type FailureSummary,
} from './messages';
import type { RefreshPolicy } from './refresh-schedule';
import { TokenExpiresAt, TokenStatus } from './search-attributes';

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
}

/** Keeps history bounded even where the server does not suggest continue-as-new. */
const MAX_HISTORY_EVENTS = 10_000;

export class CredentialEntity {
  private published: { status?: CredentialStatus; expiresAt?: number } = {};

  constructor(
    public state: CredentialState,
    private readonly options: EntityOptions,
  ) {}

  /** Registers the shared handlers; call before the workflow's first await. */
  registerHandlers(): void {
    setHandler(tokenQuery, () => tokenView(this.state, Date.now()));
    setHandler(describeQuery, () => this.describe());
    setHandler(invalidateSignal, (report) => {
      this.state = acceptReport(this.state, report.version).state;
    });
    setHandler(
      refreshUpdate,
      async (report) => {
        const { state, outcome } = acceptReport(this.state, report.version);
        this.state = state;
        if (outcome === 'accepted' || outcome === 'coalesced') {
          await condition(() => this.state.reportedVersion !== report.version);
        }
        return tokenView(this.state, Date.now());
      },
      {
        validator: (report) => {
          if (!Number.isInteger(report?.version)) throw new Error('report.version must be an integer');
        },
      },
    );
  }

  get hasPendingReport(): boolean {
    return this.state.reportedVersion !== undefined;
  }

  /**
   * Sleeps until the refresh is due, a report arrives, `wake()` turns true, or `alsoWakeAt` (epoch
   * ms) passes. True when the refresh is due.
   */
  async sleepUntilDue(wake: () => boolean = () => false, alsoWakeAt?: number): Promise<boolean> {
    const now = Date.now();
    const due = nextRefreshTime(this.state, this.options.policy(), this.options.id, now);
    this.state = { ...this.state, nextRefreshAt: due };
    this.publish();
    const woken = () => this.hasPendingReport || wake();
    if (woken()) return false;
    if (due !== undefined && due <= now) return true;
    const until = Math.min(due ?? Infinity, alsoWakeAt ?? Infinity);
    if (until === Infinity) {
      await condition(woken);
      return false;
    }
    if (await condition(woken, Math.max(1, until - now))) return false;
    // Timed out: due unless the earlier `alsoWakeAt` ended the sleep.
    return due !== undefined && (alsoWakeAt === undefined || due <= alsoWakeAt || Date.now() >= due);
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
    const before = this.state.status;
    this.state = { ...this.state, status: 'refreshing' };
    this.showDetails();
    try {
      const attempt = await obtain(passive);
      this.state = recordSuccess(this.state, attempt.obtained, Date.now(), { passive, forced: !!attempt.forced });
      if (attempt.warning) this.state = { ...this.state, lastError: attempt.warning };
      return true;
    } catch (err) {
      this.state = { ...this.state, status: before };
      this.state = recordFailure(this.state, failureSummary(err, Date.now()), Date.now());
      return false;
    } finally {
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

  describe(): CredentialDescription {
    const now = Date.now();
    const s = this.state;
    return {
      id: this.options.id,
      status: effectiveStatus(s, now),
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

  /** Search attributes (only on change: each upsert is a history event) and UI details. */
  publish(): void {
    const status = effectiveStatus(this.state, Date.now());
    const expiresAt = this.state.token?.expiresAt;
    const updates = [];
    if (status !== this.published.status) updates.push({ key: TokenStatus, value: status });
    if (expiresAt !== undefined && expiresAt !== this.published.expiresAt) {
      updates.push({ key: TokenExpiresAt, value: new Date(expiresAt) });
    }
    if (updates.length > 0) upsertSearchAttributes(updates);
    this.published = { status, expiresAt };
    this.showDetails();
  }

  /** Refreshes the Web UI's current details (e.g. during a multi-step recovery). */
  showDetails(): void {
    const d = this.describe();
    const time = (ms?: number) => (ms === undefined ? '—' : new Date(ms).toISOString());
    const lines = [
      `**${d.id}** — status \`${this.state.status === 'refreshing' ? 'refreshing' : d.status}\``,
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
