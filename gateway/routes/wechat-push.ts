/**
 * The WeChat Open Platform push receiver, `POST /v1/push/wechat/{componentAppid}` (授权事件接收 URL):
 * raw XML under a body limit, msg_signature verified and decrypted with the current or previous
 * EncodingAESKey, inner AppId checked, stale timestamps and replayed signatures refused — all with
 * 4xx and nothing signalled. `success` is answered only once Temporal durably holds the signal or
 * start, so a failed hand-off is retried by the platform. Nothing here logs a ticket or code.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { resolveSecret } from '../../config/secrets';
import { PushCryptoError } from '../../platforms/common/biz-msg-crypt';
import { openWechatPush, type WechatPushMessage, type WechatPushQuery } from '../../platforms/wechat/push-crypto';
import type { ComponentConfig, WechatComponentConfig } from '../../config/config';
import { deliverTicket, revokeAuthorizer, submitAuthCode } from '../../client/credentials';
import { HttpError } from '../errors';
import { componentParams, wechatPushQuery } from '../request-schemas';

export interface WechatPushOptions {
  client: Client;
  taskQueue: string;
  /** Looked up per push, so components added at run time are served. */
  components: () => readonly ComponentConfig[];
  env?: NodeJS.ProcessEnv;
  /** Pushes are a few hundred bytes. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Accepted clock difference of a push's timestamp, and how long its signature is remembered. Default 300 s. */
  maxSkewSeconds?: number;
  nowSeconds?: () => number;
}

/** Signatures seen within the timestamp window: a replay within the window is refused, older ones are stale. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private inserts = 0;

  /** False when `key` was already seen and has not expired. */
  claim(key: string, expiresAt: number, now: number): boolean {
    const until = this.seen.get(key);
    if (until !== undefined && until > now) return false;
    this.seen.set(key, expiresAt);
    if (++this.inserts % 256 === 0) this.sweep(now);
    return true;
  }

  release(key: string): void {
    this.seen.delete(key);
  }

  private sweep(now: number): void {
    for (const [key, until] of this.seen) if (until <= now) this.seen.delete(key);
  }
}

/**
 * The hand-off every push receiver ends with: a signature seen in the window is a replay (409,
 * nothing signalled); otherwise `dispatch` must resolve (Temporal durably holds the signal or
 * start) before `success` is answered; a failed hand-off forgets the signature so the platform's
 * retry is accepted.
 */
export async function handOffOnce(
  replays: ReplayGuard,
  replay: { key: string; windowEndMs: number; nowMs: number },
  dispatch: () => Promise<void>,
): Promise<'success'> {
  if (!replays.claim(replay.key, replay.windowEndMs, replay.nowMs)) {
    throw new HttpError(409, 'push_replayed', 'this push was already received');
  }
  try {
    await dispatch();
  } catch (err) {
    replays.release(replay.key);
    throw err;
  }
  return 'success';
}

const PUSH_CONTENT_TYPES = ['text/xml', 'application/xml', 'text/plain', 'application/octet-stream'];

export async function wechatPushPlugin(app: FastifyInstance, options: WechatPushOptions): Promise<void> {
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const maxSkewSeconds = options.maxSkewSeconds ?? 300;
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const replays = new ReplayGuard();

  // Encapsulated: only this plugin's routes take raw XML.
  app.removeContentTypeParser(['text/plain']);
  app.addContentTypeParser(PUSH_CONTENT_TYPES, { parseAs: 'string', bodyLimit: maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );

  const dispatch = async (component: WechatComponentConfig, message: WechatPushMessage) => {
    switch (message.InfoType) {
      case 'component_verify_ticket':
        return deliverTicket(options, {
          component,
          push: { ticket: message.ComponentVerifyTicket, createTime: message.CreateTime },
        });
      case 'authorized':
      case 'updateauthorized':
        await submitAuthCode(options, {
          platform: 'wechat',
          componentAppid: component.componentAppid,
          code: message.AuthorizationCode,
          source: message.InfoType,
          authorizerAppid: message.AuthorizerAppid,
        });
        return;
      case 'unauthorized':
        await revokeAuthorizer(options.client, {
          platform: 'wechat',
          componentAppid: component.componentAppid,
          authorizerAppid: message.AuthorizerAppid,
          at: message.CreateTime * 1000,
        });
        return;
    }
  };

  app.post<{ Params: { componentAppid: string }; Querystring: WechatPushQuery }>(
    '/v1/push/wechat/:componentAppid',
    { config: { scope: 'public' }, bodyLimit: maxBodyBytes },
    async (request, reply) => {
      const { componentAppid } = componentParams.parse(request.params);
      const query = wechatPushQuery.parse(request.query ?? {});
      const component = options
        .components()
        .find((c): c is WechatComponentConfig => c.platform === 'wechat' && c.componentAppid === componentAppid);
      if (!component) throw new HttpError(404, 'not_found', `no component ${componentAppid}`);
      if (typeof request.body !== 'string' || request.body.length === 0) {
        throw new HttpError(400, 'push_bad_envelope', 'push body must be XML');
      }
      const [token, encodingAESKey, previousEncodingAESKey] = await Promise.all([
        resolveSecret(component.token, options.env),
        resolveSecret(component.encodingAESKey, options.env),
        component.previousEncodingAESKey ? resolveSecret(component.previousEncodingAESKey, options.env) : undefined,
      ]);
      const now = nowSeconds();
      let message: WechatPushMessage;
      try {
        ({ message } = openWechatPush(
          { token, encodingAESKey, previousEncodingAESKey, componentAppid, maxBodyBytes, maxSkewSeconds },
          query,
          request.body,
          { nowSeconds: now },
        ));
      } catch (err) {
        if (err instanceof PushCryptoError) {
          throw new HttpError(err.code === 'too_large' ? 413 : 400, `push_${err.code}`, err.message);
        }
        throw err;
      }
      if (message.AppId !== componentAppid) {
        throw new HttpError(400, 'push_wrong_appid', 'push is for another component');
      }
      const answer = await handOffOnce(
        replays,
        {
          key: `${componentAppid}:${request.query.msg_signature}`,
          windowEndMs: (Number(request.query.timestamp) + maxSkewSeconds + 1) * 1000,
          nowMs: now * 1000,
        },
        () => dispatch(component, message),
      );
      return reply.type('text/plain; charset=utf-8').send(answer);
    },
  );
}
