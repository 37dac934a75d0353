/**
 * TokenClient: how Node services get tokens. Reads are served from an in-memory copy valid until
 * shortly before expiry (bounded by a max age), so at steady state a read costs no Temporal call;
 * concurrent misses share one query. A rejected token is reported once and the fresh one cached.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { credentialWorkflowId, type CredentialRef } from '../workflows/credential-ids';
import {
  describeQuery,
  refreshUpdate,
  tokenQuery,
  type CredentialDescription,
  type CredentialStatus,
  type TokenView,
} from '../workflows/messages';
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

export interface TokenClientOptions {
  /** Longest a cached token is served without asking the workflow again. */
  maxAgeMs?: number;
}

interface CacheEntry {
  token: IssuedToken;
  validUntil: number;
}

export class TokenClient {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inFlight = new Map<string, Promise<IssuedToken>>();
  private readonly maxAgeMs: number;

  constructor(
    private readonly client: Client,
    options: TokenClientOptions = {},
  ) {
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
  }

  async getToken(ref: CredentialRef): Promise<IssuedToken> {
    const id = credentialWorkflowId(ref);
    const cached = this.cache.get(id);
    if (cached && cached.validUntil > Date.now()) return cached.token;
    let pending = this.inFlight.get(id);
    if (!pending) {
      pending = this.queryToken(id).finally(() => this.inFlight.delete(id));
      this.inFlight.set(id, pending);
    }
    return pending;
  }

  /**
   * Reports `accessToken` as rejected and returns the fresh token. A token that is no longer the
   * current one causes no refresh: the current token is returned.
   */
  async reportInvalid(ref: CredentialRef, accessToken: string): Promise<IssuedToken> {
    const id = credentialWorkflowId(ref);
    const cached = this.cache.get(id)?.token;
    const current = cached?.accessToken === accessToken ? cached : await this.queryToken(id);
    if (current.accessToken !== accessToken) return current;
    const view = await this.withHandle(id, (handle) =>
      handle.executeUpdate(refreshUpdate, { args: [{ version: current.version }] }),
    );
    return this.remember(id, view);
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

  async describe(ref: CredentialRef): Promise<CredentialDescription> {
    return this.withHandle(credentialWorkflowId(ref), (handle) => handle.query(describeQuery));
  }

  /** The current token from the workflow, bypassing (and refilling) the cache. */
  private async queryToken(id: string): Promise<IssuedToken> {
    const view = await this.withHandle(id, (handle) => handle.query(tokenQuery));
    return this.remember(id, view);
  }

  private remember(id: string, view: TokenView): IssuedToken {
    if (!view.accessToken || view.expiresAt === undefined) {
      this.cache.delete(id);
      throw new TokenUnavailableError(id, view.status);
    }
    const token = { accessToken: view.accessToken, expiresAt: view.expiresAt, version: view.version };
    const now = Date.now();
    // Keep a tenth of the remaining life in reserve, so a cached token is never served near expiry.
    const validUntil = Math.min(now + this.maxAgeMs, token.expiresAt - (token.expiresAt - now) / 10);
    const existing = this.cache.get(id);
    if (!existing || existing.token.version <= token.version) this.cache.set(id, { token, validUntil });
    return token;
  }

  private async withHandle<T>(
    id: string,
    work: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>,
  ): Promise<T> {
    try {
      return await work(this.client.workflow.getHandle(id));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || isNotFound(err)) throw new CredentialNotFoundError(id);
      throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  // A query to a closed workflow, or gRPC NOT_FOUND (5) surfaced without the SDK's wrapper.
  return (
    typeof err === 'object' &&
    err !== null &&
    ((err as { code?: unknown }).code === 5 || (err as { name?: unknown }).name === 'WorkflowNotFoundError')
  );
}
