/**
 * A small typed HTTP client for the gateway, for Node services that have no Temporal access (those
 * that do use TokenClient). It sends the service's API key as `Authorization: Bearer <key>`.
 */
import { Agent, request, type Dispatcher } from 'undici';

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

function tokenPath(ref: CredentialPath): string {
  const e = encodeURIComponent;
  switch (ref.kind) {
    case 'app':
      return `/v1/tokens/app/${e(ref.platform)}/${e(ref.appid)}`;
    case 'component':
      return `/v1/tokens/component/${e(ref.platform)}/${e(ref.componentAppid)}`;
    case 'authorizer':
      return `/v1/tokens/authorizer/${e(ref.platform)}/${e(ref.componentAppid)}/${e(ref.appid)}`;
  }
}

interface TokenBody {
  access_token: string;
  expires_at: string;
  version: number;
}

export class GatewayClient {
  private readonly dispatcher: Dispatcher;

  constructor(private readonly options: GatewayClientOptions) {
    this.dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000 });
  }

  /** The current token. */
  getToken(ref: CredentialPath): Promise<GatewayToken> {
    return this.call('GET', tokenPath(ref));
  }

  /** Reports `accessToken` as rejected by the platform; answers the fresh (or already current) token. */
  reportInvalid(ref: CredentialPath, accessToken: string): Promise<GatewayToken> {
    return this.call('POST', `${tokenPath(ref)}/invalidate`, { access_token: accessToken });
  }

  async close(): Promise<void> {
    if (!this.options.dispatcher) await this.dispatcher.close();
  }

  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<GatewayToken> {
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
    const token = json as TokenBody;
    return { accessToken: token.access_token, expiresAt: Date.parse(token.expires_at), version: token.version };
  }
}
