/**
 * WeChat Open Platform component (third-party platform) APIs, docs/platforms.md §2.4-2.8: component
 * token, start-push-ticket, pre-auth code, code exchange, authorizer refresh and authorizer list.
 * No Temporal here; every failure is a classified PlatformError whose message holds no token.
 */
import { z } from 'zod';
import { PlatformError } from '../errors';
import { requestJson, urlWithQuery, type HttpOptions } from '../http';
import { parseWechatResponse, throwIfWechatError } from './app-token';

export interface ComponentEndpoint {
  baseUrl: string;
  componentAppid: string;
}

const componentTokenSchema = z.object({
  component_access_token: z.string().min(1),
  expires_in: z.number().positive(),
});

export async function fetchComponentAccessToken(
  endpoint: ComponentEndpoint & { secret: string; ticket: string },
  http: HttpOptions,
): Promise<{ accessToken: string; expiresInSeconds: number }> {
  const { body } = await requestJson(
    'wechat',
    new URL('/cgi-bin/component/api_component_token', endpoint.baseUrl),
    {
      method: 'POST',
      json: {
        component_appid: endpoint.componentAppid,
        component_appsecret: endpoint.secret,
        component_verify_ticket: endpoint.ticket,
      },
    },
    http,
  );
  const token = parseWechatResponse(body, componentTokenSchema);
  return { accessToken: token.component_access_token, expiresInSeconds: token.expires_in };
}

/** Asks the platform to (re)start ticket pushes; `ok` = restarted, `in a normal state` = was running. */
export async function startPushTicket(
  endpoint: ComponentEndpoint & { secret: string },
  http: HttpOptions,
): Promise<{ errmsg: string }> {
  const { body } = await requestJson(
    'wechat',
    new URL('/cgi-bin/component/api_start_push_ticket', endpoint.baseUrl),
    { method: 'POST', json: { component_appid: endpoint.componentAppid, component_secret: endpoint.secret } },
    http,
  );
  throwIfWechatError(body);
  return { errmsg: String((body as { errmsg?: unknown })?.errmsg ?? '') };
}

/** A component API call: POST `json` with the component token in the query, the answer read with `schema`. */
async function componentCall<T>(
  endpoint: ComponentEndpoint,
  path: string,
  componentToken: string,
  json: unknown,
  schema: z.ZodType<T>,
  http: HttpOptions,
): Promise<T> {
  const { body } = await requestJson(
    'wechat',
    urlWithQuery(endpoint.baseUrl, path, { component_access_token: componentToken }),
    { method: 'POST', json },
    http,
  );
  return parseWechatResponse(body, schema);
}

const preAuthSchema = z.object({ pre_auth_code: z.string().min(1), expires_in: z.number().positive() });

export async function createPreAuthCode(
  endpoint: ComponentEndpoint,
  componentToken: string,
  http: HttpOptions,
): Promise<{ preAuthCode: string; expiresInSeconds: number }> {
  const parsed = await componentCall(
    endpoint,
    '/cgi-bin/component/api_create_preauthcode',
    componentToken,
    { component_appid: endpoint.componentAppid },
    preAuthSchema,
    http,
  );
  return { preAuthCode: parsed.pre_auth_code, expiresInSeconds: parsed.expires_in };
}

const funcInfoSchema = z.array(z.object({ funcscope_category: z.object({ id: z.number().int() }).loose() }).loose());

const queryAuthSchema = z.object({
  authorization_info: z.object({
    authorizer_appid: z.string().min(1),
    authorizer_access_token: z.string().min(1).optional(),
    expires_in: z.number().positive().optional(),
    authorizer_refresh_token: z.string().min(1).optional(),
    func_info: funcInfoSchema.default([]),
  }),
});

export interface AuthorizationGrant {
  authorizerAppid: string;
  /** Absent when the account has no API permission. */
  accessToken?: string;
  expiresInSeconds?: number;
  refreshToken?: string;
  /** Permission-set ids granted (funcscope_category.id). */
  funcInfo: number[];
}

/** api_query_auth: exchanges a (single-use) authorization code. */
export async function queryAuth(
  endpoint: ComponentEndpoint,
  componentToken: string,
  authorizationCode: string,
  http: HttpOptions,
): Promise<AuthorizationGrant> {
  const { authorization_info: info } = await componentCall(
    endpoint,
    '/cgi-bin/component/api_query_auth',
    componentToken,
    { component_appid: endpoint.componentAppid, authorization_code: authorizationCode },
    queryAuthSchema,
    http,
  );
  return {
    authorizerAppid: info.authorizer_appid,
    accessToken: info.authorizer_access_token,
    expiresInSeconds: info.expires_in,
    refreshToken: info.authorizer_refresh_token,
    funcInfo: info.func_info.map((f) => f.funcscope_category.id),
  };
}

const authorizerTokenSchema = z.object({
  authorizer_access_token: z.string().min(1),
  expires_in: z.number().positive(),
  authorizer_refresh_token: z.string().min(1).optional(),
});

/** api_authorizer_token: returns whatever refresh token the platform hands back (or the one sent). */
export async function refreshAuthorizerToken(
  endpoint: ComponentEndpoint & { authorizerAppid: string; refreshToken: string },
  componentToken: string,
  http: HttpOptions,
): Promise<{ accessToken: string; expiresInSeconds: number; refreshToken: string }> {
  const parsed = await componentCall(
    endpoint,
    '/cgi-bin/component/api_authorizer_token',
    componentToken,
    {
      component_appid: endpoint.componentAppid,
      authorizer_appid: endpoint.authorizerAppid,
      authorizer_refresh_token: endpoint.refreshToken,
    },
    authorizerTokenSchema,
    http,
  );
  return {
    accessToken: parsed.authorizer_access_token,
    expiresInSeconds: parsed.expires_in,
    refreshToken: parsed.authorizer_refresh_token ?? endpoint.refreshToken,
  };
}

const authorizerListSchema = z.object({
  total_count: z.number().int().nonnegative(),
  list: z.array(z.object({ authorizer_appid: z.string(), refresh_token: z.string().default('') }).loose()),
});

/** Finds the refresh token the platform holds for `authorizerAppid` (api_get_authorizer_list, paged). */
export async function findAuthorizerRefreshToken(
  endpoint: ComponentEndpoint & { authorizerAppid: string },
  componentToken: string,
  http: HttpOptions,
): Promise<string | undefined> {
  const count = 500;
  for (let offset = 0; ; offset += count) {
    const page = await componentCall(
      endpoint,
      '/cgi-bin/component/api_get_authorizer_list',
      componentToken,
      { component_appid: endpoint.componentAppid, offset, count },
      authorizerListSchema,
      http,
    );
    const row = page.list.find((r) => r.authorizer_appid === endpoint.authorizerAppid);
    if (row) return row.refresh_token || undefined;
    if (page.list.length === 0 || offset + count >= page.total_count) return undefined;
  }
}

/** The authorization page a merchant opens (docs/platforms.md §2.6): PC QR page or the H5 bind page. */
export function authorizationPageUrl(input: {
  pageBaseUrl: string;
  variant: 'pc' | 'h5';
  componentAppid: string;
  preAuthCode: string;
  redirectUri: string;
  authType?: number;
  bizAppid?: string;
}): string {
  if (input.authType !== undefined && input.bizAppid !== undefined) {
    throw new PlatformError({
      platform: 'wechat',
      category: 'credential_invalid',
      code: 'bad_request',
      message: 'auth_type and biz_appid are mutually exclusive',
    });
  }
  const url =
    input.variant === 'pc'
      ? new URL('/cgi-bin/componentloginpage', input.pageBaseUrl)
      : new URL('/safe/bindcomponent', input.pageBaseUrl);
  if (input.variant === 'h5') {
    url.searchParams.set('action', 'bindcomponent');
    url.searchParams.set('no_scan', '1');
  }
  url.searchParams.set('component_appid', input.componentAppid);
  url.searchParams.set('pre_auth_code', input.preAuthCode);
  url.searchParams.set('redirect_uri', input.redirectUri);
  if (input.bizAppid !== undefined) url.searchParams.set('biz_appid', input.bizAppid);
  else url.searchParams.set('auth_type', String(input.authType ?? 3));
  if (input.variant === 'h5') url.hash = 'wechat_redirect';
  return url.toString();
}
