/**
 * Token reads and passive refresh for every credential kind, one shape for all:
 * `/v1/tokens/app/{platform}/{appid}`, `/v1/tokens/component/{platform}/{componentAppid}`,
 * `/v1/tokens/authorizer/{platform}/{componentAppid}/{authorizerAppid}`, each with `/invalidate`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { TokenUnavailableError, type IssuedToken, type TokenClient } from '../../client/token-client';
import { credentialWorkflowId, type CredentialRef } from '../../workflows/credential-ids';
import { appRefParams, authorizerRefParams, componentRefParams, invalidateBody, noQuery } from '../request-schemas';
import { jsonSchema, tokenResponse as tokenResponseSchema } from '../response-schemas';

/** The answer's body; a token whose expiry has passed is never sent (503 token_unavailable). */
export function tokenBody(credentialId: string, token: IssuedToken) {
  const remainingMs = token.expiresAt - Date.now();
  if (remainingMs <= 0) throw new TokenUnavailableError(credentialId, 'expired');
  return {
    access_token: token.accessToken,
    expires_at: new Date(token.expiresAt).toISOString(),
    expires_in: Math.floor(remainingMs / 1000),
    version: token.version,
  };
}

type RefKind = CredentialRef['kind'];
const refParams = {
  app: appRefParams,
  component: componentRefParams,
  authorizer: authorizerRefParams,
} satisfies Record<RefKind, z.ZodType>;

/** The credential a request names (path parameters validated, no query accepted). */
export function credentialRef(kind: RefKind, request: FastifyRequest): CredentialRef {
  noQuery.parse(request.query ?? {});
  return { kind, ...refParams[kind].parse(request.params) } as CredentialRef;
}

/** Serialized by Fastify's compiled serializer instead of JSON.stringify: reads are the hot path. */
const tokenResponse = { 200: jsonSchema(tokenResponseSchema) };

export const credentialPaths: Record<RefKind, string> = {
  app: ':platform/:appid',
  component: ':platform/:componentAppid',
  authorizer: ':platform/:componentAppid/:authorizerAppid',
};

export async function tokenRoutes(app: FastifyInstance, { tokens }: { tokens: TokenClient }) {
  for (const kind of ['app', 'component', 'authorizer'] as const) {
    const path = `/v1/tokens/${kind}/${credentialPaths[kind]}`;
    app.get(path, { config: { scope: 'read', kind }, schema: { response: tokenResponse } }, async (request) => {
      const ref = credentialRef(kind, request);
      return tokenBody(credentialWorkflowId(ref), await tokens.getToken(ref));
    });
    app.post(
      `${path}/invalidate`,
      { config: { scope: 'invalidate', kind }, schema: { response: tokenResponse } },
      async (request) => {
        const ref = credentialRef(kind, request);
        const body = invalidateBody.parse(request.body ?? {});
        return tokenBody(credentialWorkflowId(ref), await tokens.reportInvalid(ref, body.access_token));
      },
    );
  }
}
