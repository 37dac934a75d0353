/**
 * Douyin and Baidu push receivers, `POST /v1/push/douyin/{componentAppid}` and
 * `POST /v1/push/baidu/{clientId}` (授权事件接收 URL): the JSON envelope with the signature in the
 * body, verified before decryption (32-byte prefix + TP appid trailer on Douyin, 16-byte prefix +
 * client_id trailer on Baidu), timestamp window and replay refused with 4xx and nothing signalled.
 * Like the WeChat receiver (shared `handOffOnce`), `success` only once Temporal durably holds the
 * signal or start. Nothing here logs a ticket or code.
 */
import type { FastifyInstance } from 'fastify';
import { resolveSecret } from '../../config/secrets';
import { openBaiduPush, type BaiduPushMessage } from '../../platforms/baidu/push-crypto';
import { PushCryptoError } from '../../platforms/common/biz-msg-crypt';
import type { JsonPushEnvelope } from '../../platforms/common/json-push-envelope';
import { openDouyinPush, type DouyinPushMessage } from '../../platforms/douyin/push-crypto';
import type { BaiduComponentConfig, DouyinComponentConfig } from '../../config/config';
import { deliverTicket, revokeAuthorizer, submitAuthCode } from '../../client/credentials';
import { HttpError } from '../errors';
import { componentParams, jsonPushQuery } from '../request-schemas';
import { handOffOnce, ReplayGuard, type WechatPushOptions } from './wechat-push';

/** The same knobs as the WeChat receiver. */
export type TpPushOptions = WechatPushOptions;

/** Pushes carry Beijing-time datetimes ("YYYY-MM-DD HH:MM:SS"). */
export function beijingSeconds(datetime: string): number {
  const ms = Date.parse(`${datetime.replace(' ', 'T')}+08:00`);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

/** What a push asks for, the same for both platforms once decoded. */
type PushAction =
  | { kind: 'ticket'; ticket: string; createTime: number }
  | { kind: 'authorized'; authorizerAppid: string; code: string; source: string }
  | { kind: 'unauthorized'; authorizerAppid: string; at: number };

function douyinAction(message: DouyinPushMessage): PushAction {
  if ('Ticket' in message)
    return { kind: 'ticket', ticket: message.Ticket, createTime: beijingSeconds(message.CreateTime) };
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

function baiduAction(message: BaiduPushMessage): PushAction {
  if ('Ticket' in message) return { kind: 'ticket', ticket: message.Ticket, createTime: message.CreateTime };
  if (message.event === 'UNAUTHORIZED') {
    return {
      kind: 'unauthorized',
      authorizerAppid: String(message.appId),
      at: beijingSeconds(message.eventTime) * 1000,
    };
  }
  return {
    kind: 'authorized',
    authorizerAppid: String(message.appId),
    code: message.authorizationCode,
    source: message.event.toLowerCase(),
  };
}

export async function tpPushPlugin(app: FastifyInstance, options: TpPushOptions): Promise<void> {
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const maxSkewSeconds = options.maxSkewSeconds ?? 300;
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const replays = new ReplayGuard();

  // Encapsulated: these routes verify the body as received, so JSON arrives as text.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser(
    ['application/json', 'text/plain', 'application/octet-stream'],
    { parseAs: 'string', bodyLimit: maxBodyBytes },
    (_req, body, done) => done(null, body),
  );

  const open = async (
    component: DouyinComponentConfig | BaiduComponentConfig,
    body: string,
    now: number,
  ): Promise<{ action: PushAction; envelope: JsonPushEnvelope }> => {
    const [token, encodingAESKey, previousEncodingAESKey] = await Promise.all([
      resolveSecret(component.token, options.env),
      resolveSecret(component.encodingAESKey, options.env),
      component.previousEncodingAESKey ? resolveSecret(component.previousEncodingAESKey, options.env) : undefined,
    ]);
    const common = { token, encodingAESKey, previousEncodingAESKey, maxBodyBytes, maxSkewSeconds };
    if (component.platform === 'douyin') {
      const opened = openDouyinPush({ ...common, tpAppid: component.componentAppid }, body, { nowSeconds: now });
      if ('TpAppId' in opened.message && opened.message.TpAppId !== component.componentAppid) {
        throw new HttpError(400, 'push_wrong_appid', 'push is for another TP app');
      }
      return { action: douyinAction(opened.message), envelope: opened.envelope };
    }
    const opened = openBaiduPush({ ...common, clientId: component.componentAppid }, body, { nowSeconds: now });
    return { action: baiduAction(opened.message), envelope: opened.envelope };
  };

  const dispatch = async (component: DouyinComponentConfig | BaiduComponentConfig, action: PushAction) => {
    const { platform, componentAppid } = component;
    switch (action.kind) {
      case 'ticket':
        return deliverTicket(options, { component, push: { ticket: action.ticket, createTime: action.createTime } });
      case 'authorized':
        await submitAuthCode(options, {
          platform,
          componentAppid,
          code: action.code,
          source: action.source,
          authorizerAppid: action.authorizerAppid,
        });
        return;
      case 'unauthorized':
        await revokeAuthorizer(options.client, {
          platform,
          componentAppid,
          authorizerAppid: action.authorizerAppid,
          at: action.at,
        });
        return;
    }
  };

  for (const platform of ['douyin', 'baidu'] as const) {
    app.post<{ Params: { componentAppid: string } }>(
      `/v1/push/${platform}/:componentAppid`,
      { config: { scope: 'public' }, bodyLimit: maxBodyBytes },
      async (request, reply) => {
        const { componentAppid } = componentParams.parse(request.params);
        jsonPushQuery.parse(request.query);
        const component = options
          .components()
          .find(
            (c): c is DouyinComponentConfig | BaiduComponentConfig =>
              c.platform === platform && c.componentAppid === componentAppid,
          );
        if (!component) throw new HttpError(404, 'not_found', `no ${platform} component ${componentAppid}`);
        if (typeof request.body !== 'string' || request.body.length === 0) {
          throw new HttpError(400, 'push_bad_envelope', 'push body must be JSON');
        }
        const now = nowSeconds();
        let opened: { action: PushAction; envelope: JsonPushEnvelope };
        try {
          opened = await open(component, request.body, now);
        } catch (err) {
          if (err instanceof PushCryptoError) {
            throw new HttpError(err.code === 'too_large' ? 413 : 400, `push_${err.code}`, err.message);
          }
          throw err;
        }
        const answer = await handOffOnce(
          replays,
          {
            key: `${platform}:${componentAppid}:${opened.envelope.MsgSignature.toLowerCase()}`,
            windowEndMs: (Number(opened.envelope.TimeStamp) + maxSkewSeconds + 1) * 1000,
            nowMs: now * 1000,
          },
          () => dispatch(component, opened.action),
        );
        return reply.type('text/plain; charset=utf-8').send(answer);
      },
    );
  }
}
