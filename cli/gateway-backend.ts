/**
 * The CLI talking to a gateway (`--gateway URL` or `TOKEN_CENTRAL_GATEWAY_URL`) with an API key
 * (`TOKEN_CENTRAL_API_KEY`, or `--api-key`, which other users of the machine can see in the
 * process list). Lists, lifecycles and registration need the key's `admin` scope.
 */
import { GatewayClient, type CredentialPath } from '../client/gateway-client';
import type { CredentialRef } from '../workflows/credential-ids';
import type { Backend, TokenJson } from './backend';
import { usageError } from './exit-codes';

function gatewayPath(ref: CredentialRef): CredentialPath {
  if (ref.kind === 'authorizer') {
    return {
      kind: 'authorizer',
      platform: ref.platform,
      componentAppid: ref.componentAppid,
      appid: ref.authorizerAppid,
    };
  }
  return ref;
}

function tokenJson(token: { accessToken: string; expiresAt: number; version: number }): TokenJson {
  return {
    access_token: token.accessToken,
    expires_at: new Date(token.expiresAt).toISOString(),
    expires_in: Math.max(0, Math.floor((token.expiresAt - Date.now()) / 1000)),
    version: token.version,
  };
}

export function gatewayBackend(baseUrl: string, apiKey: string | undefined): Backend {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw usageError(`--gateway: "${baseUrl}" is not a URL`);
  }
  const gateway = new GatewayClient({ baseUrl: url.toString(), apiKey });
  return {
    async list(filter, page) {
      return gateway.list({ ...filter, ...page });
    },
    describe: (ref) => gateway.describe(gatewayPath(ref)),
    token: async (ref) => tokenJson(await gateway.getToken(gatewayPath(ref))),
    invalidate: async (ref, rejected) => tokenJson(await gateway.reportInvalid(gatewayPath(ref), rejected)),
    register: (app) => gateway.registerApp(app),
    async revoke() {
      throw usageError('revoke needs Temporal access (the gateway has no revoke route): run it without --gateway');
    },
    close: () => gateway.close(),
  };
}
