import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { controlInput, ControlConflict, ControlNotFound } from '../../core/control';
import { ALNUM } from '../../core/rng';
import { newAppid, newSecret } from '../apps';
import type { WechatState } from '../state';
import { authorizeMerchant, unauthorizeMerchant } from './authorization';
import { componentSettingsSchema, createComponentSchema, WechatComponent } from './component';
import { pauseTicketPushes, pushTicketNow, startTicketPushes } from './tickets';

const authorizeSchema = z.object({
  authorizerAppid: z.string().min(1),
  funcInfo: z.array(z.number().int()).optional(),
  deliver: z.enum(['redirect', 'event', 'both']).optional(),
  redirectUri: z.string().url().optional(),
  preAuthCode: z.string().optional(),
});
const authorizerSchema = z.object({ authorizerAppid: z.string().min(1) });
/** `push: false` withdraws without the unauthorized push (a push the receiver never got). */
const unauthorizeSchema = authorizerSchema.extend({ push: z.boolean().optional() });

type P = { Params: { c: string } };
type PA = { Params: { c: string; a: string } };

/** /__sandbox/wechat/components: third-party platforms, their tickets and merchants. */
export function registerComponentControlRoutes(app: FastifyInstance, wx: WechatState): void {
  const find = (componentAppid: string): WechatComponent => {
    const component = wx.components.get(componentAppid);
    if (!component) throw new ControlNotFound(`no wechat component ${componentAppid}`);
    return component;
  };

  app.post('/__sandbox/wechat/components', async (request) => {
    const input = controlInput(createComponentSchema, request);
    const rng = wx.core.rng;
    const componentAppid = input.componentAppid ?? newAppid(rng);
    if (wx.components.has(componentAppid) || wx.apps.has(componentAppid))
      throw new ControlConflict(`appid ${componentAppid} exists`);
    const component = new WechatComponent(componentAppid, rng, wx.registry, {
      secret: input.secret ?? newSecret(rng),
      token: input.token ?? rng.string(32),
      encodingAESKey: input.encodingAESKey ?? rng.string(43, ALNUM),
    });
    component.apply(input);
    wx.components.set(componentAppid, component);
    return component.view();
  });

  app.get('/__sandbox/wechat/components', async () => ({
    components: [...wx.components.values()].map((c) => c.view()),
  }));
  app.get<P>('/__sandbox/wechat/components/:c', async (request) => find(request.params.c).view());
  app.patch<P>('/__sandbox/wechat/components/:c', async (request) => {
    const component = find(request.params.c);
    component.apply(controlInput(componentSettingsSchema, request));
    return component.view();
  });

  app.post<P>('/__sandbox/wechat/components/:c/tickets/start', async (request) => {
    const started = startTicketPushes(wx.core, find(request.params.c));
    return { ok: true, started };
  });
  app.post<P>('/__sandbox/wechat/components/:c/tickets/pause', async (request) => {
    pauseTicketPushes(wx.core, find(request.params.c));
    return { ok: true };
  });
  /** Push one ticket now; answers after the first delivery attempt (retries go on in the background). */
  app.post<P>('/__sandbox/wechat/components/:c/tickets/push', async (request) => {
    const delivery = await pushTicketNow(wx.core, find(request.params.c));
    return { ticket: delivery.ticket, delivery };
  });

  app.get<P>('/__sandbox/wechat/components/:c/pushes', async (request) => {
    const pushes = find(request.params.c).pushes;
    return { pushes, total: pushes.length };
  });

  app.post<P>('/__sandbox/wechat/components/:c/authorize', async (request) => {
    const input = controlInput(authorizeSchema, request);
    return authorizeMerchant(wx, find(request.params.c), input);
  });
  app.post<P>('/__sandbox/wechat/components/:c/unauthorize', async (request) => {
    const { authorizerAppid, push: sendPush } = controlInput(unauthorizeSchema, request);
    const push = await unauthorizeMerchant(wx, find(request.params.c), authorizerAppid, sendPush ?? true);
    if (push === null) throw new ControlNotFound(`${authorizerAppid} has not authorized ${request.params.c}`);
    return { ok: true, push };
  });

  app.get<P>('/__sandbox/wechat/components/:c/authorizers', async (request) => ({
    authorizers: [...find(request.params.c).authorizers.values()].map((a) => ({
      authorizerAppid: a.authorizerAppid,
      authorized: a.authorized,
      funcInfo: a.funcInfo,
      refreshToken: a.refreshToken,
      authTime: a.authTime,
      accessToken: a.accessToken?.value ?? null,
    })),
  }));
  app.post<PA>('/__sandbox/wechat/components/:c/authorizers/:a/lose-refresh-token', async (request) => {
    const refreshToken = find(request.params.c).loseRefreshToken(request.params.a);
    if (!refreshToken) throw new ControlNotFound(`${request.params.a} has not authorized ${request.params.c}`);
    return { refreshToken };
  });
}
