/**
 * Douyin third-party mini-program apps, V2 API on open.douyin.com (docs/platforms.md §3): component
 * token, pre-auth code, code exchange and refresh (get_auth_token), retrieve-auth-code. Success
 * and error bodies differ per endpoint: flat `{errno, message}` for the component token, the
 * `{err_no, err_msg, log_id, data}` envelope elsewhere.
 */
import { z } from 'zod';
import { malformedAnswer, parseAnswer, throwIfErrorAnswer, type AnswerSource } from '../answers';
import { PlatformError } from '../errors';
import { requestJson, urlWithQuery, type HttpOptions } from '../http';
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

const DOUYIN: AnswerSource = { platform: 'douyin' };

const envelopeSchema = z.object({
  err_no: z.coerce.number().int(),
  err_msg: z.string().default(''),
  log_id: z.string().optional(),
  data: z.unknown().optional(),
});

/** Unwraps `{err_no, err_msg, log_id, data}`; throws the classified error when err_no ≠ 0. */
export function parseDouyinEnvelope<T>(body: unknown, dataSchema: z.ZodType<T>): T {
  const envelope = envelopeSchema.safeParse(body);
  if (!envelope.success) throw malformedAnswer(DOUYIN, 'answer is not a Douyin envelope');
  const { err_no, err_msg, log_id, data } = envelope.data;
  if (err_no !== 0) {
    throw new PlatformError({
      platform: 'douyin',
      category: classifyDouyinError(err_no),
      code: String(err_no),
      message: log_id ? `${err_msg} (log_id ${log_id})` : err_msg,
    });
  }
  return parseAnswer(DOUYIN, data, dataSchema, 'unexpected data');
}

/** A tpapp API call with the component token in the `access-token` header; the envelope's `data` read with `schema`. */
async function tpappCall<T>(
  endpoint: DouyinEndpoint,
  componentToken: string,
  call: { method: 'GET' | 'POST'; path: string; query?: Record<string, string>; json?: unknown },
  schema: z.ZodType<T>,
  http: HttpOptions,
): Promise<T> {
  const { body } = await requestJson(
    'douyin',
    urlWithQuery(endpoint.baseUrl, call.path, call.query),
    { method: call.method, json: call.json, headers: { 'access-token': componentToken } },
    http,
  );
  return parseDouyinEnvelope(body, schema);
}

const flatErrorSchema = z
  .object({ errno: z.coerce.number().int(), message: z.string().default('') })
  .transform(({ errno, message }) => ({ code: errno, message }));
const componentTokenSchema = z.object({
  component_access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
});

/** Every call rotates the token (the previous one keeps 5 minutes of grace): only the owning workflow calls it. */
export async function fetchComponentAccessToken(
  endpoint: DouyinEndpoint & { secret: string; ticket: string },
  http: HttpOptions,
): Promise<{ accessToken: string; expiresInSeconds: number }> {
  const url = urlWithQuery(endpoint.baseUrl, '/openapi/v2/auth/tp/token/', {
    component_appid: endpoint.componentAppid,
    component_appsecret: endpoint.secret,
    component_ticket: endpoint.ticket,
  });
  const { body } = await requestJson('douyin', url, { method: 'GET' }, http);
  throwIfErrorAnswer(DOUYIN, body, flatErrorSchema, classifyDouyinError);
  const token = componentTokenSchema.safeParse(body);
  if (!token.success) throw malformedAnswer(DOUYIN, 'component token answer without a token');
  return { accessToken: token.data.component_access_token, expiresInSeconds: token.data.expires_in };
}

export async function createPreAuthCode(
  endpoint: DouyinEndpoint,
  componentToken: string,
  http: HttpOptions,
): Promise<{ preAuthCode: string; expiresInSeconds: number }> {
  const data = await tpappCall(
    endpoint,
    componentToken,
    { method: 'POST', path: '/api/tpapp/v3/auth/get_pre_auth_code/', json: { pre_auth_code_type: 1 } },
    z.object({ pre_auth_code: z.string().min(1), expires_in: z.coerce.number().positive() }),
    http,
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
  return toGrant(
    await tpappCall(
      endpoint,
      componentToken,
      { method: 'GET', path: '/api/tpapp/v2/auth/get_auth_token/', query },
      grantSchema,
      http,
    ),
  );
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
  const data = await tpappCall(
    endpoint,
    componentToken,
    { method: 'POST', path: '/api/tpapp/v2/auth/retrieve_auth_code/', json: { authorization_appid: authorizerAppid } },
    z.object({ authorization_code: z.string().min(1), expires_in: z.coerce.number().positive() }),
    http,
  );
  return { authorizationCode: data.authorization_code, expiresInSeconds: data.expires_in };
}

/** The authorization page a merchant opens (docs/platforms.md §3.3). */
export function authorizationPageUrl(input: {
  pageBaseUrl: string;
  componentAppid: string;
  preAuthCode: string;
  redirectUri: string;
}): string {
  return urlWithQuery(input.pageBaseUrl, '/mappconsole/tp/authorization', {
    component_appid: input.componentAppid,
    pre_auth_code: input.preAuthCode,
    redirect_uri: input.redirectUri,
  }).toString();
}
