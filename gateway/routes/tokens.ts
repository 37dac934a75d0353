/**
 * Token reads and passive refresh for every credential kind, one shape for all:
 * `/v1/tokens/app/{platform}/{appid}`, `/v1/tokens/component/{platform}/{componentAppid}`,
 * `/v1/tokens/authorizer/{platform}/{componentAppid}/{authorizerAppid}`, each with `/invalidate`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { IssuedToken, TokenClient } from '../../client/token-client';
import type { CredentialRef } from '../../workflows/credential-ids';
import { appRefParams, authorizerRefParams, componentRefParams, invalidateBody, noQuery } from '../request-schemas';

export function tokenBody(token: IssuedToken) {
  return {
    access_token: token.accessToken,
    expires_at: new Date(token.expiresAt).toISOString(),
    expires_in: Math.max(0, Math.floor((token.expiresAt - Date.now()) / 1000)),
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

export const credentialPaths: Record<RefKind, string> = {
  app: ':platform/:appid',
  component: ':platform/:componentAppid',
  authorizer: ':platform/:componentAppid/:authorizerAppid',
};

export async function tokenRoutes(app: FastifyInstance, { tokens }: { tokens: TokenClient }) {
  for (const kind of ['app', 'component', 'authorizer'] as const) {
    const path = `/v1/tokens/${kind}/${credentialPaths[kind]}`;
    app.get(path, { config: { scope: 'read', kind } }, async (request) =>
      tokenBody(await tokens.getToken(credentialRef(kind, request))),
    );
    app.post(`${path}/invalidate`, { config: { scope: 'invalidate', kind } }, async (request) => {
      const ref = credentialRef(kind, request);
      const body = invalidateBody.parse(request.body ?? {});
      return tokenBody(await tokens.reportInvalid(ref, body.access_token));
    });
  }
}
