/**
 * The push receivers, `POST /v1/push/{wechat|douyin|baidu}/{componentAppid}` (授权事件接收 URL). Each
 * platform's reader (platforms/<platform>/tp-adapter.ts) verifies its own format before anything
 * acts: WeChat's XML with the signature in the query, Douyin's and Baidu's JSON envelope with it in
 * the body; signature, decryption with the current or previous EncodingAESKey, trailer and inner
 * appid, timestamp window. What it yields is one push action (ticket / authorized / unauthorized /
 * ignored), dispatched the same way for all: `success` is answered only once Temporal durably holds
 * the signal or start, so a failed hand-off is retried by the platform. The same message again
 * (a retry after our answer was lost, a replay) is answered `success` without signalling twice; an
 * event type the project does not handle is answered `success` and logged by type. Pushes that fail
 * verification answer 4xx with nothing signalled. Nothing here logs a ticket or code.
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

/**
 * Messages handed off within their timestamp window, by `VerifiedPush.duplicateKey`. The first
 * delivery dispatches; a duplicate waits for that hand-off and shares its outcome, so it is never
 * answered `success` before Temporal holds the message, and a failed hand-off is forgotten so the
 * platform's retry dispatches again. One per gateway process: duplicates that reach different
 * gateways are caught downstream (the code's workflow ID, tickets and revokes ordered by platform time).
 */
export class PushDeduplicator {
  private readonly seen = new Map<string, { until: number; handOff: Promise<void> }>();
  private inserts = 0;

  /** `delivered`: `dispatch` ran and resolved; `duplicate`: an earlier delivery of `key` did. Rejects as the hand-off did. */
  async once(
    key: string,
    window: { untilMs: number; nowMs: number },
    dispatch: () => Promise<void>,
  ): Promise<'delivered' | 'duplicate'> {
    const earlier = this.seen.get(key);
    if (earlier && earlier.until > window.nowMs) {
      await earlier.handOff;
      return 'duplicate';
    }
    const handOff = dispatch();
    this.seen.set(key, { until: window.untilMs, handOff });
    if (++this.inserts % 256 === 0) this.sweep(window.nowMs);
    try {
      await handOff;
    } catch (err) {
      if (this.seen.get(key)?.handOff === handOff) this.seen.delete(key);
      throw err;
    }
    return 'delivered';
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.seen) if (entry.until <= now) this.seen.delete(key);
  }
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
  const deliveries = new PushDeduplicator();

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
          authorizedAt: action.at,
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
      case 'ignored':
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
      { config: { scope: 'public', publicLimit: 'push' }, bodyLimit: maxBodyBytes },
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
        const { action } = push;
        const outcome = await deliveries.once(
          `${platform}:${componentAppid}:${push.duplicateKey}`,
          { untilMs: (Number(push.timestamp) + maxSkewSeconds + 1) * 1000, nowMs: now * 1000 },
          () => dispatch(component, action),
        );
        // Types and ids only: never the ticket or code.
        const logged = { platform, componentAppid, push: action.kind === 'ignored' ? action.event : action.kind };
        if (outcome === 'duplicate') request.log.info(logged, 'duplicate push answered success, not signalled again');
        else if (action.kind === 'ignored')
          request.log.info(logged, 'push of an unhandled event type answered success');
        return reply.type('text/plain; charset=utf-8').send('success');
      },
    );
  };

  for (const platform of TP_PLATFORMS) void app.register(receiver(platform));
}
