import type { FastifyPluginAsync } from 'fastify';
import type { SandboxCore } from '../core/state';
import { registerBusinessRoutes } from './business-routes';
import { registerWechatAppControlRoutes } from './control-routes';
import { registerComponentRoutes } from './open-platform/component-routes';
import { registerComponentControlRoutes } from './open-platform/control-routes';
import { registerLoginPage } from './open-platform/login-page';
import { registerOwnAppTokenRoutes } from './own-app-routes';
import { WechatState } from './state';

export interface PlatformPluginOptions {
  core: SandboxCore;
}

/** The WeChat part of the sandbox: own-app tokens, Open Platform, their control routes. */
export const wechatPlugin: FastifyPluginAsync<PlatformPluginOptions> = async (app, { core }) => {
  const wx = new WechatState(core);
  registerOwnAppTokenRoutes(app, wx);
  registerBusinessRoutes(app, wx);
  registerWechatAppControlRoutes(app, wx);
  registerComponentRoutes(app, wx);
  registerComponentControlRoutes(app, wx);
  registerLoginPage(app, wx);
};

export { WechatState };
