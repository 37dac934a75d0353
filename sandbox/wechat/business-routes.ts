import type { FastifyInstance } from 'fastify';
import { platformRoute } from '../core/http';
import type { WechatState } from './state';
import { checkToken } from './token-check';

const CALLBACK_IPS = ['101.226.62.77', '101.226.62.78', '101.226.62.79', '101.226.62.80', '101.226.103.59'];

/** Business APIs that only exist to exercise tokens: the central server's callers use them. */
export function registerBusinessRoutes(app: FastifyInstance, wx: WechatState): void {
  platformRoute(app, wx.core, {
    method: 'GET',
    path: '/cgi-bin/getcallbackip',
    dialect: wx.dialect,
    appidOf: (request) => {
      const token = (request.query as Record<string, string | undefined>).access_token;
      return token ? wx.registry.get(token)?.appid : undefined;
    },
    handle: (request, ctx) => {
      // Own-app (basic, stable) and authorizer tokens work here; a component token does not.
      const gate = checkToken(wx, request, ctx, '/cgi-bin/getcallbackip', ['basic', 'stable', 'authorizer']);
      return gate.ok ? { body: { ip_list: CALLBACK_IPS } } : gate.answer;
    },
  });
}
