/**
 * The admin API: registering own apps, listing credentials through Temporal visibility, and the
 * lifecycle (`describe`) of every credential kind.
 */
import type { FastifyInstance } from 'fastify';
import { registerApp, type WorkflowTarget } from '../../client/credentials';
import type { TokenClient } from '../../client/token-client';
import { wechatAppSchema } from '../../config/config';
import { secretPolicyFromEnv, secretRefProblem } from '../../config/secrets';
import { InvalidPageTokenError, listCredentials } from '../../client/credential-list';
import { toApiJson } from '../api-json';
import { HttpError } from '../errors';
import { listQuery, noQuery } from '../request-schemas';
import { credentialPaths, credentialRef } from './tokens';

export async function adminRoutes(app: FastifyInstance, options: WorkflowTarget & { tokens: TokenClient }) {
  const { client, tokens } = options;

  app.post('/v1/apps', { config: { scope: 'admin' } }, async (request, reply) => {
    noQuery.parse(request.query ?? {});
    const appConfig = wechatAppSchema.parse(request.body ?? {});
    // Only names the secret policy allows (never token-central's own variables): the worker sends what it resolves.
    const problem = secretRefProblem(appConfig.secret, secretPolicyFromEnv());
    if (problem) throw new HttpError(400, 'bad_request', `secret: ${problem}`);
    const id = await registerApp(options, appConfig);
    return reply.status(201).send({ id });
  });

  app.get('/v1/apps', { config: { scope: 'admin' } }, async (request) => {
    const { page_size: pageSize, page_token: pageToken, ...filter } = listQuery.parse(request.query ?? {});
    try {
      const page = await listCredentials(client, filter, { pageSize, pageToken });
      return toApiJson({ apps: page.credentials, nextPageToken: page.nextPageToken });
    } catch (err) {
      if (err instanceof InvalidPageTokenError) throw new HttpError(400, 'bad_request', err.message);
      throw err;
    }
  });

  app.get(`/v1/apps/${credentialPaths.app}`, { config: { scope: 'admin', kind: 'app' } }, async (request) =>
    toApiJson(await tokens.describe(credentialRef('app', request))),
  );
  app.get(
    `/v1/components/${credentialPaths.component}`,
    { config: { scope: 'admin', kind: 'component' } },
    async (request) => toApiJson(await tokens.describe(credentialRef('component', request))),
  );
  app.get(
    '/v1/components/:platform/:componentAppid/authorizers/:authorizerAppid',
    { config: { scope: 'admin', kind: 'authorizer' } },
    async (request) => toApiJson(await tokens.describe(credentialRef('authorizer', request))),
  );
}
