/**
 * TokenClient: how Node services get tokens. A read takes the view each credential workflow
 * publishes in its memo, with `describe()`: served by the Temporal server's history service, so no
 * worker and no replay is involved, and reads go on while every worker is down. The view is cached
 * until shortly before the workflow's next scheduled refresh or the expiry (token-cache.ts); a token
 * past its expiry is never returned. Concurrent misses share one describe; concurrent reports of one
 * token share one `refresh` update, and a report of a token already replaced costs no Temporal call.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { credentialWorkflowId, type CredentialRef } from '../workflows/credential-ids';
import {
  describeQuery,
  invalidationReportSchema,
  refreshUpdate,
  tokenQuery,
  TOKEN_VIEW_MEMO_KEY,
  type CredentialDescription,
  type CredentialStatus,
  type TokenView,
} from '../workflows/messages';
import { cachedToken, TokenCache } from './token-cache';
import { isTokenRejection } from './token-errors';

export interface IssuedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  version: number;
}

export class CredentialNotFoundError extends Error {
  override name = 'CredentialNotFoundError';
  constructor(readonly credentialId: string) {
    super(`no credential ${credentialId}`);
  }
}

export class TokenUnavailableError extends Error {
  override name = 'TokenUnavailableError';
  constructor(
    readonly credentialId: string,
    readonly status: CredentialStatus,
  ) {
    super(`no valid token for ${credentialId} (status ${status})`);
  }
}

/** What a TokenClient tells an observer (metrics/read-metrics.ts): reads by cache result, reports by outcome. */
export interface TokenClientObserver {
  read(hit: boolean): void;
  report(outcome: 'refreshed' | 'unchanged' | 'superseded' | 'not_current' | 'failed'): void;
}

type Handle = ReturnType<Client['workflow']['getHandle']>;

export class TokenClient {
  private readonly cache = new TokenCache();
  /** One describe per credential at a time. */
  private readonly reads = new Map<string, Promise<TokenView>>();
  /** One `refresh` update per credential, chain and version at a time. */
  private readonly reports = new Map<string, Promise<IssuedToken>>();

  constructor(
    private readonly client: Client,
    private readonly observer?: TokenClientObserver,
  ) {}

  async getToken(ref: CredentialRef): Promise<IssuedToken> {
    const id = credentialWorkflowId(ref);
    const cached = this.cache.fresh(id, Date.now());
    this.observer?.read(cached !== undefined);
    if (cached) return issued(cached);
    return this.issue(id, await this.read(id));
  }

  /**
   * Reports `accessToken` as rejected and returns the fresh token. A token that is no longer the
   * current one causes no refresh: the current token is returned (from the cache when it knows the
   * reported token was replaced). Concurrent reports of one token share one update.
   */
  async reportInvalid(ref: CredentialRef, accessToken: string): Promise<IssuedToken> {
    const id = credentialWorkflowId(ref);
    const known = this.cache.recognise(id, accessToken, Date.now());
    if (known?.kind === 'superseded') {
      this.observer?.report('superseded');
      return issued(known.current);
    }
    if (known?.kind === 'current') return this.report(id, known.token.chain, known.token.version);
    // Unknown to this process: ask which token is current before reporting anything.
    const current = await this.read(id);
    if (current.accessToken !== accessToken || current.expiresAt === undefined) {
      this.observer?.report('not_current');
      return this.issue(id, current);
    }
    return this.report(id, current.firstRunId ?? '', current.version);
  }

  /**
   * Runs `fn` with the token; if the platform rejects it (in the result or the error), reports it
   * once and runs `fn` once more with the fresh token.
   */
  async withToken<T>(ref: CredentialRef, fn: (accessToken: string) => Promise<T>): Promise<T> {
    const token = await this.getToken(ref);
    let rejected: boolean;
    let outcome: { result: T } | { error: unknown };
    try {
      outcome = { result: await fn(token.accessToken) };
      rejected = isTokenRejection(ref.platform, outcome.result);
    } catch (error) {
      outcome = { error };
      rejected = isTokenRejection(ref.platform, error);
    }
    if (!rejected) {
      if ('error' in outcome) throw outcome.error;
      return outcome.result;
    }
    const fresh = await this.reportInvalid(ref, token.accessToken);
    return fn(fresh.accessToken);
  }

  /** The lifecycle, from the workflow itself (`describe` query: needs a worker). */
  async describe(ref: CredentialRef): Promise<CredentialDescription> {
    return this.withHandle(credentialWorkflowId(ref), (handle) => handle.query(describeQuery));
  }

  /** The published view (single-flight per credential), offered to the cache. */
  private read(id: string): Promise<TokenView> {
    let pending = this.reads.get(id);
    if (!pending) {
      pending = this.readView(id)
        .then((view) => this.cache.offer(id, view, Date.now()))
        .finally(() => this.reads.delete(id));
      this.reads.set(id, pending);
    }
    return pending;
  }

  private async readView(id: string): Promise<TokenView> {
    const described = await this.withHandle(id, (handle) => handle.describe());
    const view = described.memo?.[TOKEN_VIEW_MEMO_KEY] as TokenView | undefined;
    if (view) return view;
    // Not published yet (a workflow that has not run a task with this code): its own answer.
    return this.withHandle(id, (handle) => handle.query(tokenQuery));
  }

  private report(id: string, chain: string, version: number): Promise<IssuedToken> {
    const key = `${id}\u0000${chain}\u0000${version}`;
    let pending = this.reports.get(key);
    if (!pending) {
      pending = this.withHandle(id, (handle) =>
        handle.executeUpdate(refreshUpdate, { args: [invalidationReportSchema.parse({ version })] }),
      )
        .then(
          (view) => {
            this.observer?.report(view.version > version ? 'refreshed' : 'unchanged');
            return view;
          },
          (err: unknown) => {
            this.observer?.report('failed');
            throw err;
          },
        )
        .then((view) => this.issue(id, this.cache.offer(id, view, Date.now())))
        .finally(() => this.reports.delete(key));
      this.reports.set(key, pending);
    }
    return pending;
  }

  /** The token in `view`, or TokenUnavailableError: never a token past its expiry. */
  private issue(id: string, view: TokenView): IssuedToken {
    const token = cachedToken(view, Date.now());
    if (!token) throw new TokenUnavailableError(id, view.accessToken ? 'expired' : view.status);
    return issued(token);
  }

  private async withHandle<T>(id: string, work: (handle: Handle) => Promise<T>): Promise<T> {
    try {
      return await work(this.client.workflow.getHandle(id));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || isNotFound(err)) throw new CredentialNotFoundError(id);
      throw err;
    }
  }
}

function issued(token: { accessToken: string; expiresAt: number; version: number }): IssuedToken {
  return { accessToken: token.accessToken, expiresAt: token.expiresAt, version: token.version };
}

function isNotFound(err: unknown): boolean {
  // A query to a closed workflow, or gRPC NOT_FOUND (5) surfaced without the SDK's wrapper.
  return (
    typeof err === 'object' &&
    err !== null &&
    ((err as { code?: unknown }).code === 5 || (err as { name?: unknown }).name === 'WorkflowNotFoundError')
  );
}
