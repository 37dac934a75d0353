/**
 * What the commands need from token-central, with two ways to get it: Temporal directly (the
 * `TEMPORAL_*` settings and the codec keys; temporal-backend.ts) or a gateway with an API key
 * (gateway-backend.ts). Both answer in the HTTP API's shapes (snake_case, ISO times), so `--json`
 * output is the same whichever is used.
 */
import type { CredentialFilter } from '../client/credential-list';
import type { GatewayCredentialPage } from '../client/gateway-client';
import type { WechatAppConfig } from '../config/config';
import type { AuthorizerRef, CredentialRef } from '../workflows/credential-ids';

export interface TokenJson {
  access_token: string;
  expires_at: string;
  expires_in: number;
  version: number;
}

/** One page of credentials, as `GET /v1/apps` answers it. */
export type CredentialPageJson = GatewayCredentialPage;
export type CredentialJson = GatewayCredentialPage['apps'][number];

export interface Backend {
  list(filter: CredentialFilter, page: { pageSize: number; pageToken?: string }): Promise<CredentialPageJson>;
  describe(ref: CredentialRef): Promise<Record<string, unknown>>;
  token(ref: CredentialRef): Promise<TokenJson>;
  invalidate(ref: CredentialRef, rejectedToken: string): Promise<TokenJson>;
  register(app: WechatAppConfig): Promise<{ id: string }>;
  /** False when no running authorizer workflow exists. */
  revoke(ref: AuthorizerRef): Promise<boolean>;
  close(): Promise<void>;
}
