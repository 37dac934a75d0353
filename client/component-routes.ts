/**
 * Reads and passive refresh of third-party platform tokens (WeChat, Douyin, Baidu), the same shapes as app tokens:
 * component tokens at `/v1/tokens/component/{platform}/{componentAppid}`, authorizer tokens at
 * `/v1/tokens/authorizer/{platform}/{componentAppid}/{authorizerAppid}`, their lifecycles under
 * `/v1/components/…`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuthorizerRef, ComponentRef } from '../workflows/credential-ids';
import { tokenBody } from './gateway';
import { appidSchema, noQuery } from './request-schemas';
import type { TokenClient } from './token-client';

const componentParams = z.object({ platform: z.enum(['wechat', 'douyin', 'baidu']), componentAppid: appidSchema });
const authorizerParams = componentParams.extend({ authorizerAppid: appidSchema });
const invalidateBody = z.object({ access_token: z.string().min(1).max(2048) }).strict();

const componentRef = (request: { params: unknown; query: unknown }): ComponentRef => {
  noQuery.parse(request.query ?? {});
  return { kind: 'component', ...componentParams.parse(request.params) };
};
const authorizerRef = (request: { params: unknown; query: unknown }): AuthorizerRef => {
  noQuery.parse(request.query ?? {});
  return { kind: 'authorizer', ...authorizerParams.parse(request.params) };
};

export async function componentRoutesPlugin(app: FastifyInstance, options: { tokens: TokenClient }) {
  const { tokens } = options;
  const component = '/v1/tokens/component/:platform/:componentAppid';
  const authorizer = '/v1/tokens/authorizer/:platform/:componentAppid/:authorizerAppid';

  app.get(component, { config: { scope: 'read', kind: 'component' } }, async (request) =>
    tokenBody(await tokens.getToken(componentRef(request))),
  );
  app.post(`${component}/invalidate`, { config: { scope: 'invalidate', kind: 'component' } }, async (request) => {
    const body = invalidateBody.parse(request.body ?? {});
    return tokenBody(await tokens.reportInvalid(componentRef(request), body.access_token));
  });
  app.get(authorizer, { config: { scope: 'read', kind: 'authorizer' } }, async (request) =>
    tokenBody(await tokens.getToken(authorizerRef(request))),
  );
  app.post(`${authorizer}/invalidate`, { config: { scope: 'invalidate', kind: 'authorizer' } }, async (request) => {
    const body = invalidateBody.parse(request.body ?? {});
    return tokenBody(await tokens.reportInvalid(authorizerRef(request), body.access_token));
  });

  app.get(
    '/v1/components/:platform/:componentAppid',
    { config: { scope: 'admin', kind: 'component' } },
    async (request) => tokens.describe(componentRef(request)),
  );
  app.get(
    '/v1/components/:platform/:componentAppid/authorizers/:authorizerAppid',
    { config: { scope: 'admin', kind: 'authorizer' } },
    async (request) => tokens.describe(authorizerRef(request)),
  );
}
