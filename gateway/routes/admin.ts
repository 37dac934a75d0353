/**
 * The admin API: registering own apps, listing credentials through Temporal visibility, and the
 * lifecycle (`describe`) of every credential kind.
 */
import type { FastifyInstance } from 'fastify';
import { registerApp, type WorkflowTarget } from '../../client/credentials';
import type { TokenClient } from '../../client/token-client';
import { wechatAppSchema } from '../../config/config';
import {
  TokenAppId,
  TokenComponentAppId,
  TokenExpiresAt,
  TokenKind,
  TokenPlatform,
  TokenStatus,
} from '../../workflows/search-attributes';
import { listQuery, noQuery } from '../request-schemas';
import { credentialPaths, credentialRef } from './tokens';

export async function adminRoutes(app: FastifyInstance, options: WorkflowTarget & { tokens: TokenClient }) {
  const { client, tokens } = options;

  app.post('/v1/apps', { config: { scope: 'admin' } }, async (request, reply) => {
    noQuery.parse(request.query ?? {});
    const appConfig = wechatAppSchema.parse(request.body ?? {});
    const id = await registerApp(options, appConfig);
    return reply.status(201).send({ id });
  });

  app.get('/v1/apps', { config: { scope: 'admin' } }, async (request) => {
    const query = listQuery.parse(request.query ?? {});
    const kind = query.kind ?? (query.component ? 'authorizer' : 'app');
    // A revoked authorizer's workflow has completed: a component's listing includes closed ones.
    const clauses = query.component
      ? [`TokenKind = '${kind}'`, `TokenComponentAppId = '${query.component}'`]
      : ["ExecutionStatus = 'Running'", `TokenKind = '${kind}'`];
    const seen = new Set<string>();
    if (query.platform) clauses.push(`TokenPlatform = '${query.platform}'`);
    if (query.status) clauses.push(`TokenStatus = '${query.status}'`);
    const apps = [];
    for await (const wf of client.workflow.list({ query: clauses.join(' AND ') })) {
      if (seen.has(wf.workflowId)) continue;
      seen.add(wf.workflowId);
      const attrs = wf.typedSearchAttributes;
      apps.push({
        id: wf.workflowId,
        platform: attrs.get(TokenPlatform),
        kind: attrs.get(TokenKind),
        appid: attrs.get(TokenAppId),
        ...(kind !== 'app' ? { component_appid: attrs.get(TokenComponentAppId) } : {}),
        status: attrs.get(TokenStatus),
        expires_at: attrs.get(TokenExpiresAt)?.toISOString(),
      });
    }
    return { apps };
  });

  app.get(`/v1/apps/${credentialPaths.app}`, { config: { scope: 'admin', kind: 'app' } }, async (request) =>
    tokens.describe(credentialRef('app', request)),
  );
  app.get(
    `/v1/components/${credentialPaths.component}`,
    { config: { scope: 'admin', kind: 'component' } },
    async (request) => tokens.describe(credentialRef('component', request)),
  );
  app.get(
    '/v1/components/:platform/:componentAppid/authorizers/:authorizerAppid',
    { config: { scope: 'admin', kind: 'authorizer' } },
    async (request) => tokens.describe(credentialRef('authorizer', request)),
  );
}
