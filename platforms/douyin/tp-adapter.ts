/**
 * Douyin tpapp as a third-party adapter: api.ts calls with normalized answers (single-use refresh
 * tokens, 找回授权码) and the JSON-envelope pushes whose trailer and TpAppId name the TP app.
 */
import { PushCryptoError } from '../common/biz-msg-crypt';
import { beijingSeconds, jsonPushReader } from '../common/json-push-envelope';
import { isUnhandledEvent, type UnhandledEvent } from '../common/unhandled-event';
import { isTokenInvalid, withSecret, type PushAction, type ThirdPartyAdapter } from '../tp-adapter';
import {
  authorizationPageUrl,
  createPreAuthCode,
  exchangeAuthorizationCode,
  fetchComponentAccessToken,
  refreshAuthorizerToken,
  retrieveAuthorizationCode,
} from './api';
import { openDouyinPush, type DouyinPushMessage } from './push-crypto';

function pushAction(message: DouyinPushMessage | UnhandledEvent): PushAction {
  if (isUnhandledEvent(message)) return { kind: 'ignored', event: message.unhandledEvent };
  if ('Ticket' in message) {
    return { kind: 'ticket', ticket: message.Ticket, createTime: beijingSeconds(message.CreateTime) };
  }
  if (message.Event === 'UNAUTHORIZED') {
    return { kind: 'unauthorized', authorizerAppid: message.AppId, at: beijingSeconds(message.EventTime) * 1000 };
  }
  return {
    kind: 'authorized',
    authorizerAppid: message.AppId,
    code: message.AuthorizationCode,
    source: message.Event.toLowerCase(),
    at: beijingSeconds(message.EventTime) * 1000,
  };
}

export const douyinTpAdapter = {
  platform: 'douyin',

  fetchComponentToken: (endpoint, http) => fetchComponentAccessToken(withSecret('douyin', endpoint), http),

  createPreAuthCode,

  defaultPageBaseUrl: 'https://open.microapp.bytedance.com',
  authorizationPageUrl,

  async exchangeCode(endpoint, componentToken, code, http) {
    const { permissions, ...grant } = await exchangeAuthorizationCode(endpoint, componentToken, code, http);
    return { ...grant, permissions: permissions.map((p) => p.id) };
  },

  refreshAuthorizerToken: (endpoint, componentToken, http) =>
    refreshAuthorizerToken(endpoint, componentToken, endpoint.refreshToken, http),

  retrieveAuthorizationCode: (endpoint, componentToken, http) =>
    retrieveAuthorizationCode(endpoint, componentToken, endpoint.authorizerAppid, http),

  rejectsComponentToken: isTokenInvalid,

  push: jsonPushReader(({ componentAppid, keys, maxBodyBytes, maxSkewSeconds, nowSeconds }, body) => {
    const opened = openDouyinPush({ ...keys, tpAppid: componentAppid, maxBodyBytes, maxSkewSeconds }, body, {
      nowSeconds,
    });
    const { message } = opened;
    const tpAppId = isUnhandledEvent(message) ? message.payload.TpAppId : 'TpAppId' in message && message.TpAppId;
    if (typeof tpAppId === 'string' && tpAppId !== componentAppid) {
      throw new PushCryptoError('wrong_appid', 'push is for another TP app');
    }
    return { action: pushAction(message), envelope: opened.envelope, plaintext: opened.plaintext };
  }),
} satisfies ThirdPartyAdapter;
