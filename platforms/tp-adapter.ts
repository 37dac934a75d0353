/**
 * One third-party adapter per platform (WeChat Open Platform, Douyin tpapp, Baidu TP): the calls
 * the token workflows and the gateway need, with answers normalized to one shape, and the reading
 * of the platform's pushes into one verified action. Where the platforms differ in what they can
 * do at all (WeChat's authorizer list, Douyin's and Baidu's code retrieval), the member is optional.
 * No Temporal here; secrets arrive resolved.
 */
import type { Permission } from '../workflows/messages';
import type { TpPlatform } from '../workflows/tp-platforms';
import { PlatformError } from './errors';
import type { HttpOptions } from './http';

/** Where a third-party platform is called: its API base URL and the component appid (Baidu: client_id). */
export interface TpEndpoint {
  baseUrl: string;
  componentAppid: string;
}

export interface IssuedTpToken {
  accessToken: string;
  expiresInSeconds: number;
}

/** An exchanged authorization code, the same on every platform. */
export interface ExchangedAuthorization {
  /** Absent on Baidu, whose exchange does not name the app (see `fetchAuthorizerAppid`). */
  authorizerAppid?: string;
  /** WeChat: absent when the account granted no API permission. */
  accessToken?: string;
  expiresInSeconds?: number;
  refreshToken?: string;
  /** Permissions granted: WeChat func_info and Douyin authorize_permission ids, Baidu scope names (app info). */
  permissions: Permission[];
}

export interface RefreshedAuthorizerToken extends IssuedTpToken {
  /** The one to present next time (Douyin and Baidu rotate it; WeChat may hand back the same). */
  refreshToken: string;
}

export interface AuthorizationPageRequest {
  pageBaseUrl: string;
  componentAppid: string;
  preAuthCode: string;
  redirectUri: string;
  /** WeChat only: PC (QR) or H5 page, and which accounts may authorize; ignored elsewhere. */
  variant?: 'pc' | 'h5';
  authType?: number;
  bizAppid?: string;
}

/**
 * What a verified push asks for, the same on every platform once decoded. Times are the platform's
 * (the message's CreateTime / EventTime): ticket `createTime` in unix seconds, `at` in epoch ms.
 * `ignored`: an event type the project does not act on, answered `success` and logged by type.
 */
export type PushAction =
  | { kind: 'ticket'; ticket: string; createTime: number }
  | { kind: 'authorized'; authorizerAppid: string; code: string; source: string; at: number }
  | { kind: 'unauthorized'; authorizerAppid: string; at: number }
  | { kind: 'ignored'; event: string };

export interface PushKeys {
  token: string;
  encodingAESKey: string;
  previousEncodingAESKey?: string;
}

export interface PushCheck {
  componentAppid: string;
  keys: PushKeys;
  maxBodyBytes: number;
  maxSkewSeconds: number;
  nowSeconds: number;
}

export interface VerifiedPush {
  action: PushAction;
  /** A digest of the decrypted message: the same message again is a duplicate, however it was re-sent. */
  duplicateKey: string;
  /** The envelope's timestamp (unix seconds as sent): a duplicate is remembered for its window. */
  timestamp: string;
}

/** How a platform's pushes arrive and how they are verified (signature, decryption, trailer, timestamp). */
export interface PushReader {
  /** What the body is, for the receiver's error message. */
  bodyFormat: 'XML' | 'JSON';
  /** The content types the platform sends it with; the receiver takes them as raw text. */
  contentTypes: readonly string[];
  /** Throws PushCryptoError for anything that fails a check; nothing is acted on before this returns. */
  open(check: PushCheck, request: { query: Readonly<Record<string, unknown>>; body: string }): VerifiedPush;
}

export interface ThirdPartyAdapter {
  platform: TpPlatform;
  /** The component (TP) token from the last pushed ticket; WeChat and Douyin need the secret, Baidu only client_id. */
  fetchComponentToken(
    endpoint: TpEndpoint & { secret?: string; ticket: string },
    http: HttpOptions,
  ): Promise<IssuedTpToken>;
  createPreAuthCode(
    endpoint: TpEndpoint,
    componentToken: string,
    http: HttpOptions,
  ): Promise<{ preAuthCode: string; expiresInSeconds: number }>;
  /** Where the merchant's browser goes when `pageBaseUrl` is not given. */
  defaultPageBaseUrl: string;
  authorizationPageUrl(request: AuthorizationPageRequest): string;
  /** Exchanges an authorization code (single use). */
  exchangeCode(
    endpoint: TpEndpoint,
    componentToken: string,
    code: string,
    http: HttpOptions,
  ): Promise<ExchangedAuthorization>;
  /** On Douyin and Baidu this consumes `refreshToken`. */
  refreshAuthorizerToken(
    endpoint: TpEndpoint & { authorizerAppid: string; refreshToken: string },
    componentToken: string,
    http: HttpOptions,
  ): Promise<RefreshedAuthorizerToken>;
  /** 找回授权码 (Douyin, Baidu): a fresh code for an authorized app, the way back after a lost refresh token. */
  retrieveAuthorizationCode?(
    endpoint: TpEndpoint & { authorizerAppid: string },
    componentToken: string,
    http: HttpOptions,
  ): Promise<{ authorizationCode: string; expiresInSeconds: number }>;
  /** WeChat: the refresh token the platform holds for an authorizer (api_get_authorizer_list). */
  findAuthorizerRefreshToken?(
    endpoint: TpEndpoint & { authorizerAppid: string },
    componentToken: string,
    http: HttpOptions,
  ): Promise<string | undefined>;
  /** WeChat: asks the platform to restart a silent ticket push channel (api_start_push_ticket). */
  restartTicketPushes?(endpoint: TpEndpoint & { secret: string }, http: HttpOptions): Promise<{ errmsg: string }>;
  /** Baidu: the app id an authorizer token belongs to (app-info API). */
  fetchAuthorizerAppid?(
    endpoint: Pick<TpEndpoint, 'baseUrl'>,
    authorizerToken: string,
    http: HttpOptions,
  ): Promise<string>;
  /**
   * Whether a failure says the component token was rejected: the platform did not act on the
   * request, so one retry with a fresh token is safe.
   */
  rejectsComponentToken(err: unknown): boolean;
  push: PushReader;
}

/** A token-invalid answer; the common case of `rejectsComponentToken`. */
export function isTokenInvalid(err: unknown): err is PlatformError {
  return err instanceof PlatformError && err.details.category === 'token_invalid';
}

/** WeChat and Douyin mint component tokens with the secret; configuration without one cannot work. */
export function withSecret<E extends TpEndpoint & { secret?: string }>(
  platform: TpPlatform,
  endpoint: E,
): E & { secret: string } {
  const { secret } = endpoint;
  if (secret === undefined) {
    throw new Error(`${platform} component ${endpoint.componentAppid} has no secret configured`);
  }
  return { ...endpoint, secret };
}

/** Where a component token comes from: the current one, and a fresh one once the platform rejected it. */
export interface ComponentTokenSource {
  current(): Promise<string>;
  replace(rejected: string): Promise<string>;
}

/** Runs `call` with the component token; a token the platform rejects is reported and replaced once. */
export async function withComponentToken<T>(
  adapter: Pick<ThirdPartyAdapter, 'rejectsComponentToken'>,
  tokens: ComponentTokenSource,
  call: (token: string) => Promise<T>,
): Promise<T> {
  const token = await tokens.current();
  try {
    return await call(token);
  } catch (err) {
    if (!adapter.rejectsComponentToken(err)) throw err;
    return call(await tokens.replace(token));
  }
}
