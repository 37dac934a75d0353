/**
 * Merchant authorization of every third-party platform (docs/platforms.md §2.5-2.6, §3.3, §4.4):
 * `GET /v1/authorize/{platform}/{componentAppid}` creates a pre-auth code with the component token
 * and redirects to the platform's authorization page (WeChat: PC QR or H5); the page sends the
 * merchant back to `…/callback` with the code under the platform's parameter (`auth_code`,
 * `authorization_code`), and the code joins the same once-per-code exchange as the authorized
 * event. On Baidu the redirect carries no app id: the exchange resolves it via app info.
 *
 * Both routes are public, so they defend themselves: rate limits per client address and per
 * component (plugins/rate-limit.ts); a redirect_uri only to the gateway's public URL or a configured
 * origin; a signed `state` in the redirect_uri (authorization-state.ts), without which the callback
 * exchanges nothing and leaves the code to the platform's authorized push (it logs why); and
 * generic error messages to the caller (plugins/public-errors.ts), details to the log.
 */
import type { Client } from '@temporalio/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { submitAuthCode } from '../../client/credentials';
import type { TokenClient } from '../../client/token-client';
import type { ComponentConfig } from '../../config/config';
import { PlatformError } from '../../platforms/errors';
import type { HttpOptions } from '../../platforms/http';
import { withComponentToken } from '../../platforms/tp-adapter';
import { tpAdapter } from '../../platforms/tp-adapters';
import type { AuthCodeResult } from '../../workflows/auth-code';
import type { ComponentRef } from '../../workflows/credential-ids';
import { TP_PLATFORMS, type TpPlatform } from '../../workflows/tp-platforms';
import type { AuthorizationStateSigner } from '../authorization-state';
import { HttpError } from '../errors';
import { authorizeCallbackCodes, authorizeStartQueries } from '../request-schemas';

export interface AuthorizeOptions {
  client: Client;
  tokens: TokenClient;
  taskQueue: string;
  components: () => readonly ComponentConfig[];
  /** API base URLs (the sandbox in tests and the demo). */
  apiBaseUrls: Record<TpPlatform, string>;
  /** Where the authorization pages live; default each platform's real console. */
  pageBaseUrl?: string;
  /** The gateway's public URL for the default redirect_uri; default: taken from the request. */
  publicUrl?: string;
  /** Origins besides the public URL's that a caller's redirect_uri may point to (e.g. a merchant-facing page). */
  redirectOrigins?: readonly string[];
  /** Signs and checks the `state` of authorization links. */
  stateSigner: AuthorizationStateSigner;
  http?: HttpOptions;
  /** How long the callback waits for the exchange before answering 202. */
  callbackWaitMs?: number;
}

export async function authorizeRoutes(app: FastifyInstance, options: AuthorizeOptions) {
  const http = options.http ?? { timeoutMs: 10_000 };

  for (const platform of TP_PLATFORMS) {
    const adapter = tpAdapter(platform);
    const find = (componentAppid: string) => {
      const component = options
        .components()
        .find((c) => c.platform === platform && c.componentAppid === componentAppid);
      if (!component) throw new HttpError(404, 'not_found', `no ${platform} component ${componentAppid}`);
      return component;
    };

    /** A pre-auth code with the component token; a token the platform rejects is reported and replaced once. */
    const preAuthCode = (componentAppid: string) => {
      const ref: ComponentRef = { kind: 'component', platform, componentAppid };
      const endpoint = { baseUrl: options.apiBaseUrls[platform], componentAppid };
      return withComponentToken(
        adapter,
        {
          current: async () => (await options.tokens.getToken(ref)).accessToken,
          replace: async (rejected) => (await options.tokens.reportInvalid(ref, rejected)).accessToken,
        },
        (token) => adapter.createPreAuthCode(endpoint, token, http),
      );
    };

    app.get<{ Params: { componentAppid: string } }>(
      `/v1/authorize/${platform}/:componentAppid`,
      { config: { scope: 'public', publicLimit: 'authorize' } },
      async (request, reply) => {
        const { componentAppid } = find(request.params.componentAppid);
        const query = authorizeStartQueries[platform].parse(request.query ?? {});
        const base = options.publicUrl ?? `${request.protocol}://${request.host}`;
        const target = new URL(
          query.redirect_uri ?? new URL(`/v1/authorize/${platform}/${componentAppid}/callback`, base).toString(),
        );
        if (!allowedRedirectOrigins(base, options.redirectOrigins).has(target.origin)) {
          throw new HttpError(400, 'redirect_uri_not_allowed', `redirect_uri origin ${target.origin} is not allowed`);
        }
        target.searchParams.set('state', options.stateSigner.sign({ platform, componentAppid }, Date.now()));
        const redirectUri = target.toString();
        let code: { preAuthCode: string; expiresInSeconds: number };
        try {
          code = await preAuthCode(componentAppid);
        } catch (err) {
          if (err instanceof PlatformError) throw new HttpError(502, 'platform_error', err.message);
          throw err;
        }
        const url = adapter.authorizationPageUrl({
          pageBaseUrl: options.pageBaseUrl ?? adapter.defaultPageBaseUrl,
          componentAppid,
          preAuthCode: code.preAuthCode,
          redirectUri,
          variant: query.variant,
          authType: query.auth_type,
          bizAppid: query.biz_appid,
        });
        if (query.format === 'json') return { url, expires_in: code.expiresInSeconds };
        return reply.redirect(url, 302);
      },
    );

    app.get<{ Params: { componentAppid: string } }>(
      `/v1/authorize/${platform}/:componentAppid/callback`,
      { config: { scope: 'public', publicLimit: 'authorize' } },
      async (request, reply) => {
        const { componentAppid } = find(request.params.componentAppid);
        const code = authorizeCallbackCodes[platform].parse(request.query ?? {});
        const state = (request.query as { state?: unknown } | undefined)?.state;
        const check = options.stateSigner.verify(state, { platform, componentAppid }, Date.now());
        if (!check.ok) {
          // Not from a link this gateway made (or too old): the platform's authorized push carries
          // the same code, so nothing is lost; the caller sees the same answer as a slow exchange.
          request.log.warn(
            { platform, componentAppid, reason: check.reason },
            'authorization callback without a valid state: exchange left to the platform push',
          );
          return reply.status(202).send({ status: 'processing' });
        }
        // The redirect follows the authorization at once: its arrival stands for the platform's time.
        const authorizedAt = Date.now();
        const { workflowId } = await submitAuthCode(options, {
          platform,
          componentAppid,
          code,
          source: 'redirect',
          authorizedAt,
        });
        return answerCallback(options.client, workflowId, options.callbackWaitMs ?? 10_000, reply);
      },
    );
  }
}

/** The origins a redirect_uri may name: the gateway's own (public URL) and the configured ones. */
function allowedRedirectOrigins(base: string, extra: readonly string[] = []): Set<string> {
  return new Set([base, ...extra].map((url) => new URL(url).origin));
}

/**
 * The callback's answer: the exchange's outcome if it ends within `waitMs` (authorized, or 502
 * with the platform's code), else 202 `processing`.
 */
async function answerCallback(client: Client, workflowId: string, waitMs: number, reply: FastifyReply) {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    client.workflow
      .getHandle(workflowId)
      .result()
      .then((result: AuthCodeResult) => ({ result }))
      .catch((err: unknown) => ({ failed: describeFailure(err) })),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    }),
  ]).finally(() => clearTimeout(timer));
  if (outcome && 'result' in outcome) {
    return reply.send({
      status: 'authorized',
      authorizer_appid: outcome.result.authorizerAppid,
      permissions: outcome.result.funcInfo,
    });
  }
  if (outcome && 'failed' in outcome) {
    throw new HttpError(502, 'exchange_failed', `the authorization code could not be exchanged: ${outcome.failed}`);
  }
  return reply.status(202).send({ status: 'processing' });
}

/** The innermost failure message (platform code and text; never a code or token). */
function describeFailure(err: unknown): string {
  let current: unknown = err;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : 'unknown failure';
}
