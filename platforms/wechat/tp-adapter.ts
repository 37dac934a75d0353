/**
 * The WeChat Open Platform as a third-party adapter: component.ts calls with normalized answers,
 * plus the two WeChat-only extras (restart a silent ticket push, refresh token from the authorizer
 * list), and the XML pushes signed in the URL query.
 */
import { PushCryptoError } from '../common/biz-msg-crypt';
import { isUnhandledEvent, messageDigest, type UnhandledEvent } from '../common/unhandled-event';
import { isTokenInvalid, withSecret, type PushAction, type ThirdPartyAdapter } from '../tp-adapter';
import {
  authorizationPageUrl,
  createPreAuthCode,
  fetchComponentAccessToken,
  findAuthorizerRefreshToken,
  queryAuth,
  refreshAuthorizerToken,
  startPushTicket,
} from './component';
import { openWechatPush, type WechatPushMessage } from './push-crypto';

function pushAction(message: WechatPushMessage | UnhandledEvent): PushAction {
  if (isUnhandledEvent(message)) return { kind: 'ignored', event: message.unhandledEvent };
  switch (message.InfoType) {
    case 'component_verify_ticket':
      return { kind: 'ticket', ticket: message.ComponentVerifyTicket, createTime: message.CreateTime };
    case 'authorized':
    case 'updateauthorized':
      return {
        kind: 'authorized',
        authorizerAppid: message.AuthorizerAppid,
        code: message.AuthorizationCode,
        source: message.InfoType,
        at: message.CreateTime * 1000,
      };
    case 'unauthorized':
      return { kind: 'unauthorized', authorizerAppid: message.AuthorizerAppid, at: message.CreateTime * 1000 };
  }
}

const queryText = (value: unknown) => (typeof value === 'string' ? value : undefined);

export const wechatTpAdapter = {
  platform: 'wechat',

  fetchComponentToken: (endpoint, http) => fetchComponentAccessToken(withSecret('wechat', endpoint), http),

  createPreAuthCode,

  defaultPageBaseUrl: 'https://mp.weixin.qq.com',
  authorizationPageUrl: (request) => authorizationPageUrl({ ...request, variant: request.variant ?? 'pc' }),

  async exchangeCode(endpoint, componentToken, code, http) {
    const { funcInfo, ...grant } = await queryAuth(endpoint, componentToken, code, http);
    return { ...grant, permissions: funcInfo };
  },

  refreshAuthorizerToken,
  findAuthorizerRefreshToken,
  restartTicketPushes: startPushTicket,
  rejectsComponentToken: isTokenInvalid,

  push: {
    bodyFormat: 'XML',
    contentTypes: ['text/xml', 'application/xml', 'text/plain', 'application/octet-stream'],
    open({ componentAppid, keys, maxBodyBytes, maxSkewSeconds, nowSeconds }, { query, body }) {
      const { message, xml } = openWechatPush(
        { ...keys, componentAppid, maxBodyBytes, maxSkewSeconds },
        {
          timestamp: queryText(query.timestamp),
          nonce: queryText(query.nonce),
          encrypt_type: queryText(query.encrypt_type),
          msg_signature: queryText(query.msg_signature),
        },
        body,
        { nowSeconds },
      );
      // The trailer named the component already; the inner AppId must agree (unhandled types: when they carry one).
      const appId = isUnhandledEvent(message) ? message.payload.AppId : message.AppId;
      if (appId !== undefined && appId !== componentAppid) {
        throw new PushCryptoError('wrong_appid', 'push is for another component');
      }
      return { action: pushAction(message), duplicateKey: messageDigest(xml), timestamp: String(query.timestamp) };
    },
  },
} satisfies ThirdPartyAdapter & Required<Pick<ThirdPartyAdapter, 'findAuthorizerRefreshToken' | 'restartTicketPushes'>>;
