/**
 * A bare-bones caller of the sandbox's WeChat endpoints for the sandbox's own tests, shaped like
 * the real API and independent of the production adapter code.
 */
import { request } from 'undici';

export interface WechatBody {
  access_token?: string;
  expires_in?: number;
  errcode?: number;
  errmsg?: string;
  [key: string]: unknown;
}

/** A bare-bones caller of the sandbox's WeChat endpoints, shaped like the real API (no adapter code). */
export class WechatCaller {
  constructor(private readonly baseUrl: string) {}

  async get(path: string, params: Record<string, string> = {}): Promise<WechatBody> {
    const qs = new URLSearchParams(params).toString();
    const response = await request(`${this.baseUrl}${path}${qs ? `?${qs}` : ''}`);
    return (await response.body.json()) as WechatBody;
  }

  async post(path: string, body: unknown, params: Record<string, string> = {}): Promise<WechatBody> {
    const qs = new URLSearchParams(params).toString();
    const response = await request(`${this.baseUrl}${path}${qs ? `?${qs}` : ''}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return (await response.body.json()) as WechatBody;
  }

  token(appid: string, secret: string): Promise<WechatBody> {
    return this.get('/cgi-bin/token', { grant_type: 'client_credential', appid, secret });
  }

  stable(appid: string, secret: string, forceRefresh?: boolean): Promise<WechatBody> {
    const body: Record<string, unknown> = { grant_type: 'client_credential', appid, secret };
    if (forceRefresh !== undefined) body.force_refresh = forceRefresh;
    return this.post('/cgi-bin/stable_token', body);
  }

  /** errcode of a business call with `token` (0 = accepted). */
  async use(token: string | undefined): Promise<number> {
    const body = await this.get('/cgi-bin/getcallbackip', token === undefined ? {} : { access_token: token });
    return body.errcode ?? 0;
  }
}
