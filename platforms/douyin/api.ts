/**
 * Douyin third-party mini-program apps, V2 API on open.douyin.com (platforms.md §3): component
 * token, pre-auth code, code exchange and refresh (get_auth_token), retrieve-auth-code. Success
 * and error bodies differ per endpoint: flat `{errno, message}` for the component token, the
 * `{err_no, err_msg, log_id, data}` envelope elsewhere.
 */
import { z } from 'zod';
import { PlatformError } from '../errors';
import { requestJson, type HttpOptions } from '../http';
import { classifyDouyinError } from './errors';

export interface DouyinEndpoint {
  baseUrl: string;
  componentAppid: string;
}

export interface DouyinAuthorizerGrant {
  authorizerAppid: string;
  accessToken: string;
  expiresInSeconds: number;
  /** Single use: the next refresh must present exactly this one. */
  refreshToken: string;
  refreshExpiresInSeconds: number;
  permissions: Array<{ id: number; category?: string; description?: string }>;
}

function douyinError(code: number, message: string, logId?: string): PlatformError {
  return new PlatformError({
    platform: 'douyin',
    category: classifyDouyinError(code),
    code: String(code),
    message: logId ? `${message} (log_id ${logId})` : message,
  });
}

function malformed(what: string): PlatformError {
  return new PlatformError({
    platform: 'douyin',
    category: 'retry_later',
    code: 'malformed',
    message: what,
    ambiguous: true,
  });
}

const envelopeSchema = z.object({
  err_no: z.coerce.number().int(),
  err_msg: z.string().default(''),
  log_id: z.string().optional(),
  data: z.unknown().optional(),
});

/** Unwraps `{err_no, err_msg, log_id, data}`; throws the classified error when err_no ≠ 0. */
export function parseDouyinEnvelope<T>(body: unknown, dataSchema: z.ZodType<T>): T {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) throw malformed('answer is not a Douyin envelope');
  const { err_no, err_msg, log_id, data } = envelope.data;
  if (err_no !== 0) throw douyinError(err_no, err_msg, log_id);
  const parsed = dataSchema.safeParse(data);
  if (!parsed.success)
    throw malformed(`unexpected data: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
  return parsed.data;
}

const flatErrorSchema = z.object({ errno: z.coerce.number().int(), message: z.string().default('') });
const componentTokenSchema = z.object({
  component_access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
});

/** Every call rotates the token (the previous one keeps 5 minutes of grace): only the owning workflow calls it. */
export async function fetchComponentAccessToken(
  endpoint: DouyinEndpoint & { secret: string; ticket: string },
  http: HttpOptions,
): Promise<{ accessToken: string; expiresInSeconds: number }> {
  const url = new URL('/openapi/v2/auth/tp/token/', endpoint.baseUrl);
  url.searchParams.set('component_appid', endpoint.componentAppid);
  url.searchParams.set('component_appsecret', endpoint.secret);
  url.searchParams.set('component_ticket', endpoint.ticket);
  const { body } = await requestJson('douyin', url, { method: 'GET' }, http);
  const error = flatErrorSchema.safeParse(body);
  if (error.success && error.data.errno !== 0) throw douyinError(error.data.errno, error.data.message);
  const token = componentTokenSchema.safeParse(body);
  if (!token.success) throw malformed('component token answer without a token');
  return { accessToken: token.data.component_access_token, expiresInSeconds: token.data.expires_in };
}

export async function createPreAuthCode(
  endpoint: DouyinEndpoint,
  componentToken: string,
  http: HttpOptions,
): Promise<{ preAuthCode: string; expiresInSeconds: number }> {
  const { body } = await requestJson(
    'douyin',
    new URL('/api/tpapp/v3/auth/get_pre_auth_code/', endpoint.baseUrl),
    { method: 'POST', json: { pre_auth_code_type: 1 }, headers: { 'access-token': componentToken } },
    http,
  );
  const data = parseDouyinEnvelope(
    body,
    z.object({ pre_auth_code: z.string().min(1), expires_in: z.coerce.number().positive() }),
  );
  return { preAuthCode: data.pre_auth_code, expiresInSeconds: data.expires_in };
}

const grantSchema = z.object({
  authorizer_access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  authorizer_refresh_token: z.string().min(1),
  refresh_expires_in: z.coerce.number().positive().default(2_592_000),
  authorizer_appid: z.string().min(1),
  authorize_permission: z
    .array(
      z
        .object({ id: z.coerce.number().int(), category: z.string().optional(), description: z.string().optional() })
        .loose(),
    )
    .default([]),
});

function toGrant(data: z.infer<typeof grantSchema>): DouyinAuthorizerGrant {
  return {
    authorizerAppid: data.authorizer_appid,
    accessToken: data.authorizer_access_token,
    expiresInSeconds: data.expires_in,
    refreshToken: data.authorizer_refresh_token,
    refreshExpiresInSeconds: data.refresh_expires_in,
    permissions: data.authorize_permission.map(({ id, category, description }) => ({ id, category, description })),
  };
}

async function getAuthToken(
  endpoint: DouyinEndpoint,
  componentToken: string,
  query: Record<string, string>,
  http: HttpOptions,
) {
  const url = new URL('/api/tpapp/v2/auth/get_auth_token/', endpoint.baseUrl);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
  const { body } = await requestJson(
    'douyin',
    url,
    { method: 'GET', headers: { 'access-token': componentToken } },
    http,
  );
  return toGrant(parseDouyinEnvelope(body, grantSchema));
}

export function exchangeAuthorizationCode(
  endpoint: DouyinEndpoint,
  componentToken: string,
  authorizationCode: string,
  http: HttpOptions,
): Promise<DouyinAuthorizerGrant> {
  return getAuthToken(
    endpoint,
    componentToken,
    { grant_type: 'app_to_tp_authorization_code', authorization_code: authorizationCode },
    http,
  );
}

/** Consumes `refreshToken` (single use): the old access and refresh tokens die at once on success. */
export function refreshAuthorizerToken(
  endpoint: DouyinEndpoint,
  componentToken: string,
  refreshToken: string,
  http: HttpOptions,
): Promise<DouyinAuthorizerGrant> {
  return getAuthToken(
    endpoint,
    componentToken,
    { grant_type: 'app_to_tp_refresh_token', authorizer_refresh_token: refreshToken },
    http,
  );
}

/** 找回授权码: a fresh code for an authorized app, the way back after a lost refresh token. */
export async function retrieveAuthorizationCode(
  endpoint: DouyinEndpoint,
  componentToken: string,
  authorizerAppid: string,
  http: HttpOptions,
): Promise<{ authorizationCode: string; expiresInSeconds: number }> {
  const { body } = await requestJson(
    'douyin',
    new URL('/api/tpapp/v2/auth/retrieve_auth_code/', endpoint.baseUrl),
    { method: 'POST', json: { authorization_appid: authorizerAppid }, headers: { 'access-token': componentToken } },
    http,
  );
  const data = parseDouyinEnvelope(
    body,
    z.object({ authorization_code: z.string().min(1), expires_in: z.coerce.number().positive() }),
  );
  return { authorizationCode: data.authorization_code, expiresInSeconds: data.expires_in };
}

/** The authorization page a merchant opens (platforms.md §3.3). */
export function authorizationPageUrl(input: {
  pageBaseUrl: string;
  componentAppid: string;
  preAuthCode: string;
  redirectUri: string;
}): string {
  const url = new URL('/mappconsole/tp/authorization', input.pageBaseUrl);
  url.searchParams.set('component_appid', input.componentAppid);
  url.searchParams.set('pre_auth_code', input.preAuthCode);
  url.searchParams.set('redirect_uri', input.redirectUri);
  return url.toString();
}
