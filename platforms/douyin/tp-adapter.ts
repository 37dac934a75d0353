/**
 * Douyin tpapp as a third-party adapter: api.ts calls with normalized answers (single-use refresh
 * tokens, 找回授权码) and the JSON-envelope pushes whose trailer and TpAppId name the TP app.
 */
import { PushCryptoError } from '../common/biz-msg-crypt';
import { beijingSeconds, jsonPushReader } from '../common/json-push-envelope';
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

function pushAction(message: DouyinPushMessage): PushAction {
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
    if ('TpAppId' in opened.message && opened.message.TpAppId !== componentAppid) {
      throw new PushCryptoError('wrong_appid', 'push is for another TP app');
    }
    return { action: pushAction(opened.message), envelope: opened.envelope };
  }),
} satisfies ThirdPartyAdapter;
