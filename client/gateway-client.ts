/**
 * A small typed HTTP client for the gateway, for Node services that have no Temporal access (those
 * that do use TokenClient). It sends the service's API key as `Authorization: Bearer <key>`.
 */
import { Agent, request, type Dispatcher } from 'undici';

/**
 * A credential's lifecycle as the gateway answers it (snake_case, ISO times; the full schema is
 * gateway/response-schemas.ts, served at /openapi.json).
 */
export interface GatewayDescription {
  id: string;
  status: string;
  version: number;
  expires_at?: string;
  obtained_at?: string;
  next_refresh_at?: string;
  refreshes: number;
  passive_refreshes: number;
  forced_refreshes: number;
  consecutive_failures: number;
  last_error?: { at: string; category: string; code: string; message: string };
  settings: Record<string, unknown>;
  ticket?: Record<string, unknown>;
  /** WeChat/Douyin permission-set ids, Baidu scope names. */
  permissions?: Array<number | string>;
  [field: string]: unknown;
}

/** One page of `GET /v1/apps`. */
export interface GatewayCredentialPage {
  apps: Array<{
    id: string;
    platform?: string;
    kind?: string;
    appid?: string;
    component_appid?: string;
    status?: string;
    expires_at?: string;
  }>;
  /** Pass back as `pageToken` for the next page; absent on the last. */
  next_page_token?: string;
}

export interface GatewayListFilter {
  platform?: string;
  kind?: 'app' | 'component' | 'authorizer';
  status?: string;
  component?: string;
  /** 1-1000, default 100. */
  pageSize?: number;
  /** The previous page's `next_page_token`. */
  pageToken?: string;
}

export interface GatewayToken {
  accessToken: string;
  /** Epoch ms. */
  expiresAt: number;
  version: number;
}

export interface GatewayClientOptions {
  /** e.g. `http://127.0.0.1:8080` */
  baseUrl: string;
  /** The service's API key; omit only for a gateway without keys (loopback). */
  apiKey?: string;
  /** Per request; default 10 s. */
  timeoutMs?: number;
  dispatcher?: Dispatcher;
}

/** A JSON error from the gateway (`{error: {code, message}}`); never carries the API key. */
export class GatewayError extends Error {
  override name = 'GatewayError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Seconds, from Retry-After on 429. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export type CredentialPath =
  | { kind: 'app'; platform: string; appid: string }
  | { kind: 'component'; platform: string; componentAppid: string }
  | { kind: 'authorizer'; platform: string; componentAppid: string; appid: string };

function credentialPath(ref: CredentialPath): string {
  const e = encodeURIComponent;
  switch (ref.kind) {
    case 'app':
      return `${e(ref.platform)}/${e(ref.appid)}`;
    case 'component':
      return `${e(ref.platform)}/${e(ref.componentAppid)}`;
    case 'authorizer':
      return `${e(ref.platform)}/${e(ref.componentAppid)}/${e(ref.appid)}`;
  }
}

const tokenPath = (ref: CredentialPath) => `/v1/tokens/${ref.kind}/${credentialPath(ref)}`;

function lifecyclePath(ref: CredentialPath): string {
  if (ref.kind === 'app') return `/v1/apps/${credentialPath(ref)}`;
  if (ref.kind === 'component') return `/v1/components/${credentialPath(ref)}`;
  const e = encodeURIComponent;
  return `/v1/components/${e(ref.platform)}/${e(ref.componentAppid)}/authorizers/${e(ref.appid)}`;
}

interface TokenBody {
  access_token: string;
  expires_at: string;
  version: number;
}

const fromTokenBody = (token: TokenBody): GatewayToken => ({
  accessToken: token.access_token,
  expiresAt: Date.parse(token.expires_at),
  version: token.version,
});

export class GatewayClient {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: GatewayClientOptions) {
    this.dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000 });
  }

  /** The current token. */
  async getToken(ref: CredentialPath): Promise<GatewayToken> {
    return fromTokenBody(await this.call<TokenBody>('GET', tokenPath(ref)));
  }

  /** Reports `accessToken` as rejected by the platform; answers the fresh (or already current) token. */
  async reportInvalid(ref: CredentialPath, accessToken: string): Promise<GatewayToken> {
    return fromTokenBody(
      await this.call<TokenBody>('POST', `${tokenPath(ref)}/invalidate`, { access_token: accessToken }),
    );
  }

  /** The credential's lifecycle (needs the `admin` scope). */
  describe(ref: CredentialPath): Promise<GatewayDescription> {
    return this.call('GET', lifecyclePath(ref));
  }

  /** One page of credentials (needs the `admin` scope); follow `next_page_token` for the rest. */
  list(filter: GatewayListFilter = {}): Promise<GatewayCredentialPage> {
    const { pageSize, pageToken, ...rest } = filter;
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(rest)) if (value !== undefined) query.set(key, value);
    if (pageSize !== undefined) query.set('page_size', String(pageSize));
    if (pageToken !== undefined) query.set('page_token', pageToken);
    const search = query.size > 0 ? `?${query}` : '';
    return this.call('GET', `/v1/apps${search}`);
  }

  /** Registers an own app (idempotent; needs the `admin` scope). The secret is a reference, never a value. */
  registerApp(app: {
    platform: 'wechat';
    appid: string;
    mode?: 'stable' | 'basic';
    secret: { env: string } | { file: string };
  }): Promise<{ id: string }> {
    return this.call('POST', '/v1/apps', app);
  }

  async close(): Promise<void> {
    if (!this.options.dispatcher) await this.dispatcher.close();
  }

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = this.options.timeoutMs ?? 10_000;
    const res = await request(new URL(path, this.options.baseUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher: this.dispatcher,
      headersTimeout: timeout,
      bodyTimeout: timeout,
    });
    const text = await res.body.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new GatewayError(res.statusCode, 'bad_response', `gateway answered ${res.statusCode} with no JSON`);
    }
    if (res.statusCode >= 400) {
      const error = (json as { error?: { code?: string; message?: string } }).error;
      const retryAfter = Number(res.headers['retry-after']);
      throw new GatewayError(
        res.statusCode,
        error?.code ?? 'error',
        error?.message ?? `gateway answered ${res.statusCode}`,
        Number.isFinite(retryAfter) ? retryAfter : undefined,
      );
    }
    return json as T;
  }
}
