/**
 * The push receivers, `POST /v1/push/{wechat|douyin|baidu}/{componentAppid}` (授权事件接收 URL). Each
 * platform's reader (platforms/<platform>/tp-adapter.ts) verifies its own format before anything
 * acts: WeChat's XML with the signature in the query, Douyin's and Baidu's JSON envelope with it in
 * the body; signature, decryption with the current or previous EncodingAESKey, trailer and inner
 * appid, timestamp window. What it yields is one push action (ticket / authorized / unauthorized),
 * dispatched the same way for all: a replayed signature is refused, and `success` is answered only
 * once Temporal durably holds the signal or start, so a failed hand-off is retried by the platform.
 * Failures answer 4xx with nothing signalled. Nothing here logs a ticket or code.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { deliverTicket, revokeAuthorizer, submitAuthCode } from '../../client/credentials';
import type { ComponentConfig } from '../../config/config';
import { resolveSecret } from '../../config/secrets';
import { PushCryptoError } from '../../platforms/common/biz-msg-crypt';
import type { PushAction, PushKeys, VerifiedPush } from '../../platforms/tp-adapter';
import { tpAdapter } from '../../platforms/tp-adapters';
import { TP_PLATFORMS, type TpPlatform } from '../../workflows/tp-platforms';
import { HttpError } from '../errors';
import { componentParams, pushQueries } from '../request-schemas';

export interface PushOptions {
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
 * The hand-off every push ends with: a signature seen in the window is a replay (409, nothing
 * signalled); otherwise `dispatch` must resolve (Temporal durably holds the signal or start) before
 * `success` is answered; a failed hand-off forgets the signature so the platform's retry is accepted.
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

async function pushKeys(component: ComponentConfig, env: NodeJS.ProcessEnv | undefined): Promise<PushKeys> {
  const [token, encodingAESKey, previousEncodingAESKey] = await Promise.all([
    resolveSecret(component.token, env),
    resolveSecret(component.encodingAESKey, env),
    component.previousEncodingAESKey ? resolveSecret(component.previousEncodingAESKey, env) : undefined,
  ]);
  return { token, encodingAESKey, previousEncodingAESKey };
}

export async function pushRoutes(app: FastifyInstance, options: PushOptions): Promise<void> {
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const maxSkewSeconds = options.maxSkewSeconds ?? 300;
  const nowSeconds = options.nowSeconds ?? (() => Math.floor(Date.now() / 1000));
  const replays = new ReplayGuard();

  const dispatch = async (component: ComponentConfig, action: PushAction): Promise<void> => {
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

  const receiver = (platform: TpPlatform) => async (scope: FastifyInstance) => {
    const reader = tpAdapter(platform).push;
    // Encapsulated: only this route takes its platform's body as raw text, verified as received.
    scope.removeContentTypeParser([...reader.contentTypes]);
    scope.addContentTypeParser(
      [...reader.contentTypes],
      { parseAs: 'string', bodyLimit: maxBodyBytes },
      (_req, body, done) => done(null, body),
    );

    scope.post<{ Params: { componentAppid: string } }>(
      `/v1/push/${platform}/:componentAppid`,
      { config: { scope: 'public' }, bodyLimit: maxBodyBytes },
      async (request, reply) => {
        const { componentAppid } = componentParams.parse(request.params);
        const query = pushQueries[platform].parse(request.query ?? {}) ?? {};
        const component = options
          .components()
          .find((c) => c.platform === platform && c.componentAppid === componentAppid);
        if (!component) throw new HttpError(404, 'not_found', `no ${platform} component ${componentAppid}`);
        if (typeof request.body !== 'string' || request.body.length === 0) {
          throw new HttpError(400, 'push_bad_envelope', `push body must be ${reader.bodyFormat}`);
        }
        const keys = await pushKeys(component, options.env);
        const now = nowSeconds();
        let push: VerifiedPush;
        try {
          push = reader.open(
            { componentAppid, keys, maxBodyBytes, maxSkewSeconds, nowSeconds: now },
            {
              query,
              body: request.body,
            },
          );
        } catch (err) {
          if (err instanceof PushCryptoError) {
            throw new HttpError(err.code === 'too_large' ? 413 : 400, `push_${err.code}`, err.message);
          }
          throw err;
        }
        const answer = await handOffOnce(
          replays,
          {
            // Signatures are hex, compared without regard to case: so is the replay check.
            key: `${platform}:${componentAppid}:${push.signature.toLowerCase()}`,
            windowEndMs: (Number(push.timestamp) + maxSkewSeconds + 1) * 1000,
            nowMs: now * 1000,
          },
          () => dispatch(component, push.action),
        );
        return reply.type('text/plain; charset=utf-8').send(answer);
      },
    );
  };

  for (const platform of TP_PLATFORMS) void app.register(receiver(platform));
}
