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
import type { TokenClient } from './token-client';

const appid = z.string().regex(/^[A-Za-z0-9_-]{4,64}$/);
const componentParams = z.object({ platform: z.enum(['wechat', 'douyin', 'baidu']), componentAppid: appid });
const authorizerParams = componentParams.extend({ authorizerAppid: appid });
const invalidateBody = z.object({ access_token: z.string().min(1).max(2048) }).strict();

const componentRef = (params: unknown): ComponentRef => ({ kind: 'component', ...componentParams.parse(params) });
const authorizerRef = (params: unknown): AuthorizerRef => ({ kind: 'authorizer', ...authorizerParams.parse(params) });

export async function componentRoutesPlugin(app: FastifyInstance, options: { tokens: TokenClient }) {
  const { tokens } = options;
  const component = '/v1/tokens/component/:platform/:componentAppid';
  const authorizer = '/v1/tokens/authorizer/:platform/:componentAppid/:authorizerAppid';

  app.get(component, { config: { scope: 'read', kind: 'component' } }, async (request) =>
    tokenBody(await tokens.getToken(componentRef(request.params))),
  );
  app.post(`${component}/invalidate`, { config: { scope: 'invalidate', kind: 'component' } }, async (request) => {
    const body = invalidateBody.parse(request.body ?? {});
    return tokenBody(await tokens.reportInvalid(componentRef(request.params), body.access_token));
  });
  app.get(authorizer, { config: { scope: 'read', kind: 'authorizer' } }, async (request) =>
    tokenBody(await tokens.getToken(authorizerRef(request.params))),
  );
  app.post(`${authorizer}/invalidate`, { config: { scope: 'invalidate', kind: 'authorizer' } }, async (request) => {
    const body = invalidateBody.parse(request.body ?? {});
    return tokenBody(await tokens.reportInvalid(authorizerRef(request.params), body.access_token));
  });

  app.get(
    '/v1/components/:platform/:componentAppid',
    { config: { scope: 'admin', kind: 'component' } },
    async (request) => tokens.describe(componentRef(request.params)),
  );
  app.get(
    '/v1/components/:platform/:componentAppid/authorizers/:authorizerAppid',
    { config: { scope: 'admin', kind: 'authorizer' } },
    async (request) => tokens.describe(authorizerRef(request.params)),
  );
}
