import type { FastifyInstance } from 'fastify';
import { controlInput, ControlConflict, ControlNotFound } from '../core/control';
import { appSettingsSchema, createAppSchema, newAppid, newSecret, WechatApp } from './apps';
import type { WechatState } from './state';

/** /__sandbox/wechat/apps: own apps (Official Accounts / Mini Programs). */
export function registerWechatAppControlRoutes(app: FastifyInstance, wx: WechatState): void {
  app.post('/__sandbox/wechat/apps', async (request) => {
    const input = controlInput(createAppSchema, request);
    const appid = input.appid ?? newAppid(wx.core.rng);
    if (wx.apps.has(appid) || wx.components.has(appid)) throw new ControlConflict(`appid ${appid} exists`);
    const account = new WechatApp(appid, input.secret ?? newSecret(wx.core.rng), wx.registry, wx.now());
    account.apply(input);
    wx.apps.set(appid, account);
    return account.view();
  });

  app.get('/__sandbox/wechat/apps', async () => ({ apps: [...wx.apps.values()].map((a) => a.view()) }));

  app.get<{ Params: { appid: string } }>('/__sandbox/wechat/apps/:appid', async (request) => {
    return findApp(wx, request.params.appid).view();
  });

  app.patch<{ Params: { appid: string } }>('/__sandbox/wechat/apps/:appid', async (request) => {
    const account = findApp(wx, request.params.appid);
    account.apply(controlInput(appSettingsSchema, request));
    return account.view();
  });

  /** Like clear_quota: zero the daily counters of both token endpoints and of force refreshes. */
  app.post<{ Params: { appid: string } }>('/__sandbox/wechat/apps/:appid/clear-quota', async (request) => {
    const account = findApp(wx, request.params.appid);
    for (const counter of [...Object.values(account.daily), ...Object.values(account.minute), account.forceDaily])
      counter.reset();
    return { ok: true };
  });
}

function findApp(wx: WechatState, appid: string): WechatApp {
  const account = wx.apps.get(appid);
  if (!account) throw new ControlNotFound(`no wechat app ${appid}`);
  return account;
}
