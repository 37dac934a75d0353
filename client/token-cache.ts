/**
 * How long a token read from a credential workflow may be served without asking again, and which
 * of two reads wins. Pure: every function takes the time, so the rules are unit-tested without
 * Temporal.
 *
 * - A read is served until shortly before the workflow's next scheduled refresh or the token's
 *   expiry, whichever is first: a platform may kill the old token the moment the workflow refreshes
 *   (Douyin authorizers), so readers switch as soon as the new one is published. Never past expiry.
 * - Past that point with no newer token published yet (refresh in flight, or no worker running),
 *   the read is re-checked at a short interval until the token expires.
 * - Within one run chain a newer version always wins. A re-created workflow (new chain, versions
 *   starting again at 1) replaces the entry whatever its version.
 */
import type { CredentialStatus, TokenView } from '../workflows/messages';

export interface CachedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  version: number;
  status: CredentialStatus;
  nextRefreshAt?: number;
  /** The workflow's first run id ('' when the workflow did not say). */
  chain: string;
}

/** The longest re-check interval, and the shortest, once the scheduled refresh is near. */
export const MAX_RECHECK_MS = 1_000;
export const MIN_RECHECK_MS = 10;
/** Superseded tokens remembered per credential, to recognise reports of an old token. */
const SUPERSEDED_KEPT = 4;

/** The token in `view`, if it has one with life left at `now`. */
export function cachedToken(view: TokenView, now: number): CachedToken | undefined {
  if (!view.accessToken || view.expiresAt === undefined || view.expiresAt <= now) return undefined;
  return {
    accessToken: view.accessToken,
    expiresAt: view.expiresAt,
    version: view.version,
    status: view.status,
    nextRefreshAt: view.nextRefreshAt,
    chain: view.firstRunId ?? '',
  };
}

/**
 * The re-check interval near the refresh point: a tenth of the refresh margin (the time between the
 * scheduled refresh and the expiry), clamped to [MIN_RECHECK_MS, MAX_RECHECK_MS]. A 7200 s token
 * refreshed 25 minutes ahead re-checks every second; a sandbox token living seconds, every few ms.
 */
export function recheckMs(token: CachedToken): number {
  const horizon = Math.min(token.nextRefreshAt ?? Infinity, token.expiresAt);
  return Math.min(MAX_RECHECK_MS, Math.max(MIN_RECHECK_MS, (token.expiresAt - horizon) / 10));
}

/** Until when (epoch ms) `token`, read at `now`, may be served without asking the workflow again. */
export function servableUntil(token: CachedToken, now: number): number {
  const horizon = Math.min(token.nextRefreshAt ?? Infinity, token.expiresAt);
  const step = recheckMs(token);
  if (now < horizon - step) return horizon - step;
  return Math.min(now + step, token.expiresAt);
}

interface Entry {
  token: CachedToken;
  validUntil: number;
  /** Earlier tokens of the same chain: value → version. */
  superseded: Map<string, number>;
}

export type Recognised =
  | { kind: 'current'; token: CachedToken }
  /** An older token of the entry's chain; `current` is servable now. */
  | { kind: 'superseded'; version: number; current: CachedToken };

export class TokenCache {
  private readonly entries = new Map<string, Entry>();

  /** A token that may be served at `now` without asking Temporal. */
  fresh(id: string, now: number): CachedToken | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (now < entry.validUntil && now < entry.token.expiresAt) return entry.token;
    if (now >= entry.token.expiresAt) this.entries.delete(id);
    return undefined;
  }

  /**
   * Takes a view just read from the workflow (memo, query or update answer) and returns the view
   * to answer with: the read one, or the cached one where that is newer in the same chain.
   */
  offer(id: string, view: TokenView, now: number): TokenView {
    const entry = this.entries.get(id);
    const chain = view.firstRunId ?? '';
    const sameChain = entry !== undefined && entry.token.chain === chain;
    if (sameChain && view.version < entry.token.version) {
      return now < entry.token.expiresAt ? viewOf(entry.token) : view;
    }
    const token = cachedToken(view, now);
    if (!token) {
      // No valid token any more (expired, revoked, parked): nothing of this credential is served.
      this.entries.delete(id);
      return view;
    }
    const superseded = sameChain ? entry.superseded : new Map<string, number>();
    if (sameChain && entry.token.accessToken !== token.accessToken) {
      superseded.set(entry.token.accessToken, entry.token.version);
      while (superseded.size > SUPERSEDED_KEPT) superseded.delete(superseded.keys().next().value!);
    }
    this.entries.set(id, { token, validUntil: servableUntil(token, now), superseded });
    return view;
  }

  /** What the cache knows of `accessToken` at `now`: the current token, or one it replaced. */
  recognise(id: string, accessToken: string, now: number): Recognised | undefined {
    const entry = this.entries.get(id);
    if (!entry || now >= entry.token.expiresAt) return undefined;
    if (entry.token.accessToken === accessToken) return { kind: 'current', token: entry.token };
    const version = entry.superseded.get(accessToken);
    if (version === undefined || version >= entry.token.version) return undefined;
    return { kind: 'superseded', version, current: entry.token };
  }

  get size(): number {
    return this.entries.size;
  }
}

function viewOf(token: CachedToken): TokenView {
  return {
    status: token.status,
    accessToken: token.accessToken,
    expiresAt: token.expiresAt,
    version: token.version,
    ...(token.nextRefreshAt === undefined ? {} : { nextRefreshAt: token.nextRefreshAt }),
    firstRunId: token.chain || undefined,
  };
}
