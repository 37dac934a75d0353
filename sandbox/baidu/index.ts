import type { FastifyPluginAsync } from 'fastify';
import type { SandboxCore } from '../core/state';
import { registerBaiduApiRoutes } from './api-routes';
import { registerBaiduControlRoutes } from './control-routes';
import { BaiduState } from './state';

/** The Baidu part of the sandbox: smart-program TP token APIs on openapi.baidu.com paths, pushes, control routes. */
export const baiduPlugin: FastifyPluginAsync<{ core: SandboxCore }> = async (app, { core }) => {
  const bd = new BaiduState(core);
  registerBaiduApiRoutes(app, bd);
  registerBaiduControlRoutes(app, bd);
};

export { BaiduState };
