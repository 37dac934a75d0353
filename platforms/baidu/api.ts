/**
 * Baidu smart-program third-party platform (docs/platforms.md §4): TP token, pre-auth code, the OAuth
 * token endpoint (code exchange and single-use refresh), app info and retrieve-authorization-code.
 * Two error envelopes: `{errno, msg, data}` on smartapp APIs, HTTP 400 `{error, error_description}`
 * on the OAuth endpoint.
 */
import { z } from 'zod';
import { malformedAnswer, parseAnswer, throwIfErrorAnswer, type AnswerSource } from '../answers';
import { PlatformError } from '../errors';
import { httpError, requestJson, urlWithQuery, type HttpOptions } from '../http';
import { classifyBaiduErrno, classifyBaiduOAuthError } from './errors';

export interface BaiduEndpoint {
  baseUrl: string;
}

export interface BaiduAuthorizerGrant {
  accessToken: string;
  expiresInSeconds: number;
  /** Single use, valid ten years. */
  refreshToken: string;
}

const BAIDU: AnswerSource = { platform: 'baidu' };

const errnoEnvelope = z.object({
  errno: z.coerce.number().int(),
  msg: z.string().default(''),
  data: z.unknown().optional(),
});
const errnoError = errnoEnvelope.transform(({ errno, msg }) => ({ code: errno, message: msg }));
const oauthError = z.object({ error: z.string().min(1), error_description: z.string().default('') });

/** Either envelope's error becomes a classified PlatformError; anything else is returned as is. */
function throwIfBaiduError(body: unknown): void {
  const oauth = oauthError.safeParse(body);
  if (oauth.success) {
    const { error, error_description } = oauth.data;
    throw new PlatformError({
      platform: 'baidu',
      category: classifyBaiduOAuthError(error, error_description),
      code: error,
      message: error_description,
    });
  }
  throwIfErrorAnswer(BAIDU, body, errnoError, classifyBaiduErrno);
}

/** A smartapp API call: parameters in the query, the answer's `data` read with `schema`. */
async function smartappCall<T>(
  endpoint: BaiduEndpoint,
  call: { method: 'GET' | 'POST'; path: string; query: Record<string, string> },
  schema: z.ZodType<T>,
  http: HttpOptions,
): Promise<T> {
  const { body } = await requestJson(
    'baidu',
    urlWithQuery(endpoint.baseUrl, call.path, call.query),
    { method: call.method },
    http,
  );
  throwIfBaiduError(body);
  const envelope = errnoEnvelope.safeParse(body);
  if (!envelope.success) throw malformedAnswer(BAIDU, 'answer is not a Baidu envelope');
  return parseAnswer(BAIDU, envelope.data.data, schema, 'unexpected data');
}

/** The TP token lives 30 days; the ticket is the latest one pushed. */
export async function fetchTpAccessToken(
  endpoint: BaiduEndpoint & { clientId: string; ticket: string },
  http: HttpOptions,
): Promise<{ accessToken: string; expiresInSeconds: number }> {
  const data = await smartappCall(
    endpoint,
    {
      method: 'GET',
      path: '/public/2.0/smartapp/auth/tp/token',
      query: { client_id: endpoint.clientId, ticket: endpoint.ticket },
    },
    z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive() }),
    http,
  );
  return { accessToken: data.access_token, expiresInSeconds: data.expires_in };
}

export async function createPreAuthCode(
  endpoint: BaiduEndpoint,
  tpToken: string,
  http: HttpOptions,
): Promise<{ preAuthCode: string; expiresInSeconds: number }> {
  const data = await smartappCall(
    endpoint,
    { method: 'GET', path: '/rest/2.0/smartapp/tp/createpreauthcode', query: { access_token: tpToken } },
    z.object({ pre_auth_code: z.string().min(1), expires_in: z.coerce.number().positive() }),
    http,
  );
  return { preAuthCode: data.pre_auth_code, expiresInSeconds: data.expires_in };
}

const grantSchema = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.coerce.number().positive().default(3600),
});

async function oauthToken(endpoint: BaiduEndpoint, query: Record<string, string>, http: HttpOptions) {
  const { status, body } = await requestJson(
    'baidu',
    urlWithQuery(endpoint.baseUrl, '/rest/2.0/oauth/token', query),
    { method: 'GET', jsonServerErrors: true },
    http,
  );
  if (status >= 500) {
    // HTTP 503 `temporarily_unavailable` is a definite "busy, nothing done" answer: the single-use
    // refresh token was not consumed. Any other 5xx may have been acted on.
    const busy = oauthError.safeParse(body);
    if (busy.success && busy.data.error === 'temporarily_unavailable') throwIfBaiduError(body);
    throw httpError('baidu', status);
  }
  throwIfBaiduError(body);
  const grant = grantSchema.safeParse(body);
  if (!grant.success) throw malformedAnswer(BAIDU, 'token answer without tokens');
  return {
    accessToken: grant.data.access_token,
    expiresInSeconds: grant.data.expires_in,
    refreshToken: grant.data.refresh_token,
  };
}

/** The answer carries no app id: take it from the authorization event or from appInfo(). */
export function exchangeAuthorizationCode(
  endpoint: BaiduEndpoint,
  tpToken: string,
  code: string,
  http: HttpOptions,
): Promise<BaiduAuthorizerGrant> {
  return oauthToken(endpoint, { access_token: tpToken, code, grant_type: 'app_to_tp_authorization_code' }, http);
}

/** Consumes `refreshToken` (single use). */
export function refreshAuthorizerToken(
  endpoint: BaiduEndpoint,
  tpToken: string,
  refreshToken: string,
  http: HttpOptions,
): Promise<BaiduAuthorizerGrant> {
  return oauthToken(
    endpoint,
    { access_token: tpToken, refresh_token: refreshToken, grant_type: 'app_to_tp_refresh_token' },
    http,
  );
}

const appInfoSchema = z
  .object({
    app_id: z.union([z.string(), z.number()]).transform(String),
    app_name: z.string().optional(),
    /** The permissions the app granted the TP (docs/platforms.md §4.5); absent is read as none. */
    auth_info: z
      .array(z.object({ type: z.number().int().optional(), scope_name: z.string().min(1).max(64) }).loose())
      .max(512)
      .default([]),
  })
  .loose();

/**
 * The authorized app's id, name and granted permissions (scope names); doubles as a check that an
 * authorizer token works.
 */
export async function fetchAppInfo(
  endpoint: BaiduEndpoint,
  authorizerToken: string,
  http: HttpOptions,
): Promise<{ appId: string; appName?: string; permissions: string[] }> {
  const data = await smartappCall(
    endpoint,
    { method: 'GET', path: '/rest/2.0/smartapp/app/info', query: { access_token: authorizerToken } },
    appInfoSchema,
    http,
  );
  return { appId: data.app_id, appName: data.app_name, permissions: data.auth_info.map((a) => a.scope_name) };
}

export async function retrieveAuthorizationCode(
  endpoint: BaiduEndpoint,
  tpToken: string,
  appId: string,
  http: HttpOptions,
): Promise<{ authorizationCode: string; expiresInSeconds: number }> {
  const data = await smartappCall(
    endpoint,
    {
      method: 'POST',
      path: '/rest/2.0/smartapp/auth/retrieve/authorizationcode',
      query: { access_token: tpToken, app_id: appId },
    },
    z.object({ authorization_code: z.string().min(1), expires_in: z.coerce.number().positive() }),
    http,
  );
  return { authorizationCode: data.authorization_code, expiresInSeconds: data.expires_in };
}

export function authorizationPageUrl(input: {
  pageBaseUrl: string;
  clientId: string;
  preAuthCode: string;
  redirectUri: string;
}): string {
  return urlWithQuery(input.pageBaseUrl, '/mappconsole/tp/authorization', {
    client_id: input.clientId,
    pre_auth_code: input.preAuthCode,
    redirect_uri: input.redirectUri,
  }).toString();
}
