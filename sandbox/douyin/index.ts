import type { FastifyPluginAsync } from 'fastify';
import type { SandboxCore } from '../core/state';
import { registerDouyinApiRoutes } from './api-routes';
import { registerDouyinControlRoutes } from './control-routes';
import { DouyinState } from './state';

/** The Douyin part of the sandbox: V2 tpapp token APIs on open.douyin.com paths, pushes, control routes. */
export const douyinPlugin: FastifyPluginAsync<{ core: SandboxCore }> = async (app, { core }) => {
  const dy = new DouyinState(core);
  registerDouyinApiRoutes(app, dy);
  registerDouyinControlRoutes(app, dy);
};

export { DouyinState };
