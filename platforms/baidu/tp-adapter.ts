/**
 * Baidu TP as a third-party adapter: api.ts calls with normalized answers. The TP token needs no
 * secret (client_id + ticket); the code exchange does not name the app, so the app-info API
 * does; a dead TP token shows as OAuth `invalid_client`. Pushes use the JSON envelope.
 */
import { beijingSeconds, jsonPushReader } from '../common/json-push-envelope';
import { isUnhandledEvent, type UnhandledEvent } from '../common/unhandled-event';
import { PlatformError } from '../errors';
import type { HttpOptions } from '../http';
import { isTokenInvalid, type PushAction, type ThirdPartyAdapter } from '../tp-adapter';
import {
  authorizationPageUrl,
  createPreAuthCode,
  exchangeAuthorizationCode,
  fetchAppInfo,
  fetchTpAccessToken,
  refreshAuthorizerToken,
  retrieveAuthorizationCode,
} from './api';
import { openBaiduPush, type BaiduPushMessage } from './push-crypto';

function pushAction(message: BaiduPushMessage | UnhandledEvent): PushAction {
  if (isUnhandledEvent(message)) return { kind: 'ignored', event: message.unhandledEvent };
  if ('Ticket' in message) return { kind: 'ticket', ticket: message.Ticket, createTime: message.CreateTime };
  const authorizerAppid = String(message.appId);
  if (message.event === 'UNAUTHORIZED') {
    return { kind: 'unauthorized', authorizerAppid, at: beijingSeconds(message.eventTime) * 1000 };
  }
  return {
    kind: 'authorized',
    authorizerAppid,
    code: message.authorizationCode,
    source: message.event.toLowerCase(),
    at: beijingSeconds(message.eventTime) * 1000,
  };
}

/** Below this, a lookup would not finish inside the caller's budget: skip it. */
const MIN_LOOKUP_MS = 300;

/**
 * The exchange answer lists no permissions; the app-info API does (`auth_info`, docs/platforms.md
 * §4.5). Best effort, inside what is left of the exchange's own time budget: the code is spent, so
 * nothing may turn the exchange into a failure or keep its activity past its timeout.
 */
async function grantedScopes(
  endpoint: { baseUrl: string },
  accessToken: string,
  http: HttpOptions,
  started: number,
): Promise<string[]> {
  const left = http.timeoutMs - (Date.now() - started);
  if (left < MIN_LOOKUP_MS) return [];
  try {
    return (await fetchAppInfo(endpoint, accessToken, { ...http, timeoutMs: left })).permissions;
  } catch {
    return [];
  }
}

export const baiduTpAdapter = {
  platform: 'baidu',

  fetchComponentToken: ({ baseUrl, componentAppid, ticket }, http) =>
    fetchTpAccessToken({ baseUrl, clientId: componentAppid, ticket }, http),

  createPreAuthCode,

  defaultPageBaseUrl: 'https://smartprogram.baidu.com',
  authorizationPageUrl: ({ componentAppid, ...page }) => authorizationPageUrl({ ...page, clientId: componentAppid }),

  async exchangeCode(endpoint, tpToken, code, http) {
    const started = Date.now();
    const grant = await exchangeAuthorizationCode(endpoint, tpToken, code, http);
    return { ...grant, permissions: await grantedScopes(endpoint, grant.accessToken, http, started) };
  },

  refreshAuthorizerToken: (endpoint, tpToken, http) =>
    refreshAuthorizerToken(endpoint, tpToken, endpoint.refreshToken, http),

  retrieveAuthorizationCode: (endpoint, tpToken, http) =>
    retrieveAuthorizationCode(endpoint, tpToken, endpoint.authorizerAppid, http),

  fetchAuthorizerAppid: async (endpoint, authorizerToken, http) =>
    (await fetchAppInfo(endpoint, authorizerToken, http)).appId,

  // The OAuth endpoint answers a dead TP token with invalid_client.
  rejectsComponentToken: (err) =>
    isTokenInvalid(err) || (err instanceof PlatformError && err.details.code === 'invalid_client'),

  push: jsonPushReader(({ componentAppid, keys, maxBodyBytes, maxSkewSeconds, nowSeconds }, body) => {
    const opened = openBaiduPush({ ...keys, clientId: componentAppid, maxBodyBytes, maxSkewSeconds }, body, {
      nowSeconds,
    });
    return { action: pushAction(opened.message), envelope: opened.envelope, plaintext: opened.plaintext };
  }),
} satisfies ThirdPartyAdapter;
