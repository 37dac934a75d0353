/**
 * The gateway's OpenAPI 3.1 description, built from the zod schemas the routes validate with
 * (request-schemas.ts, config.ts) and answer with (response-schemas.ts), and served without auth at
 * `/openapi.json` with a browsable page at `/docs` (Swagger UI, docs-page.ts). Validation stays in zod: the JSON
 * schemas only describe. The document lists the routes actually registered (collected with
 * `onRoute`), each with the auth its `scope` demands; a route missing from `routeDocs` shows up
 * in `undocumentedRoutes`, which the tests require to be empty.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { z } from 'zod';
import { wechatAppSchema } from '../config/config';
import { tpAdapter } from '../platforms/tp-adapters';
import { TP_PLATFORMS } from '../workflows/tp-platforms';
import { docsPage } from './docs-page';
import {
  appRefParams,
  authorizeCallbackCodes,
  authorizerRefParams,
  authorizeStartQueries,
  componentParams,
  componentRefParams,
  invalidateBody,
  listQuery,
  pushQueries,
} from './request-schemas';
import {
  authorizeUrlResponse,
  callbackResponse,
  describeResponse,
  errorResponse,
  healthResponse,
  listResponse,
  registerResponse,
  jsonSchema,
  tokenResponse,
  type JsonSchema,
} from './response-schemas';

interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
}

export interface RouteDoc {
  summary: string;
  description?: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: { schema: z.ZodType; contentTypes?: readonly string[] } | { raw: string; contentTypes: readonly string[] };
  responses: Record<number, ResponseDoc>;
}

const error = (description: string): ResponseDoc => ({ description, schema: errorResponse });
const retryAfter = { 'retry-after': { description: 'Seconds to wait', schema: { type: 'integer' } } };
const badRequest = error('Invalid parameters, query or body (`bad_request`)');
const notFound = error('No such credential or component (`not_found`)');
const tokenErrors = {
  400: badRequest,
  404: notFound,
  503: {
    ...error('No valid token (`token_unavailable`, with `status`) or Temporal busy (`temporal_busy`, Retry-After)'),
    headers: retryAfter,
  },
};

const kindTitle = { app: 'an own app', component: 'a component (TP)', authorizer: 'an authorizer' } as const;
const refParams = { app: appRefParams, component: componentRefParams, authorizer: authorizerRefParams } as const;
const refPaths = {
  app: ':platform/:appid',
  component: ':platform/:componentAppid',
  authorizer: ':platform/:componentAppid/:authorizerAppid',
} as const;

function tokenDocs(): Record<string, RouteDoc> {
  const docs: Record<string, RouteDoc> = {};
  for (const kind of ['app', 'component', 'authorizer'] as const) {
    const path = `/v1/tokens/${kind}/${refPaths[kind]}`;
    docs[`GET ${path}`] = {
      summary: `The current token of ${kindTitle[kind]}`,
      tag: 'tokens',
      params: refParams[kind],
      query: z.object({}).strict(),
      responses: { 200: { description: 'The token', schema: tokenResponse }, ...tokenErrors },
    };
    docs[`POST ${path}/invalidate`] = {
      summary: `Report ${kindTitle[kind]}'s token as rejected by the platform`,
      description:
        'Compare-and-refresh: only a report of the current token refreshes (once, however many callers ' +
        'report it); a stale report answers the current token.',
      tag: 'tokens',
      params: refParams[kind],
      query: z.object({}).strict(),
      body: { schema: invalidateBody },
      responses: {
        200: { description: 'The fresh (or already current) token', schema: tokenResponse },
        ...tokenErrors,
      },
    };
  }
  return docs;
}

function describeDoc(kind: 'app' | 'component' | 'authorizer'): RouteDoc {
  return {
    summary: `The lifecycle of ${kindTitle[kind]} (the describe query, answered by a worker)`,
    tag: 'admin',
    params: refParams[kind],
    query: z.object({}).strict(),
    responses: {
      200: { description: 'Status, expiry, counters, last error', schema: describeResponse },
      400: badRequest,
      404: notFound,
    },
  };
}

function thirdPartyDocs(): Record<string, RouteDoc> {
  const docs: Record<string, RouteDoc> = {};
  for (const platform of TP_PLATFORMS) {
    const push = tpAdapter(platform).push;
    docs[`POST /v1/push/${platform}/:componentAppid`] = {
      summary: `The ${platform} authorization-event push receiver (授权事件接收 URL)`,
      description:
        'Called by the platform, authenticated by its signature. Answers `success` once Temporal durably holds ' +
        'the ticket, authorization or revocation; the same message again, and an event type not acted on, ' +
        'are answered `success` without a signal.',
      tag: 'platform callbacks',
      params: componentParams,
      query: pushQueries[platform],
      body: { raw: `the platform's encrypted ${push.bodyFormat} envelope`, contentTypes: push.contentTypes },
      responses: {
        200: {
          description: 'Handed to Temporal (or a duplicate, or an event type not acted on)',
          contentType: 'text/plain',
          schema: z.literal('success'),
        },
        400: error('Bad envelope, signature or timestamp (`push_…`)'),
        404: error('No such component'),
        413: error('Body too large'),
      },
    };
    docs[`GET /v1/authorize/${platform}/:componentAppid`] = {
      summary: `Start a merchant's ${platform} authorization`,
      description:
        'Creates a pre-auth code and redirects to the platform page (or answers its URL with `format=json`).',
      tag: 'platform callbacks',
      params: componentParams,
      query: authorizeStartQueries[platform],
      responses: {
        200: { description: '`format=json`: the authorization page URL', schema: authorizeUrlResponse },
        302: {
          description: 'Redirect to the authorization page',
          headers: { location: { description: 'The page', schema: { type: 'string' } } },
        },
        400: badRequest,
        404: error('No such component'),
        502: error('The platform refused the pre-auth code (`platform_error`)'),
      },
    };
    docs[`GET /v1/authorize/${platform}/:componentAppid/callback`] = {
      summary: `The ${platform} authorization redirect back, with the code`,
      tag: 'platform callbacks',
      params: componentParams,
      query: authorizeCallbackCodes[platform],
      responses: {
        200: { description: 'Authorized', schema: callbackResponse },
        202: { description: 'The exchange is still running', schema: callbackResponse },
        400: badRequest,
        404: error('No such component'),
        502: error('The code could not be exchanged (`exchange_failed`)'),
      },
    };
  }
  return docs;
}

/** Every route the gateway may register, by `METHOD url` (Fastify's pattern). */
export const routeDocs: Readonly<Record<string, RouteDoc>> = {
  'GET /healthz': {
    summary: 'Liveness',
    tag: 'operations',
    responses: { 200: { description: 'Up', schema: healthResponse } },
  },
  'GET /metrics': {
    summary: 'Prometheus metrics',
    tag: 'operations',
    responses: { 200: { description: 'Prometheus text format', contentType: 'text/plain', schema: z.string() } },
  },
  'GET /openapi.json': {
    summary: 'This document',
    tag: 'operations',
    responses: { 200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } },
  },
  ...tokenDocs(),
  'POST /v1/apps': {
    summary: 'Register an own app (idempotent)',
    description: 'The secret is a reference (environment variable or file on the worker), never a value.',
    tag: 'admin',
    query: z.object({}).strict(),
    body: { schema: wechatAppSchema },
    responses: { 201: { description: 'Registered (or already was)', schema: registerResponse }, 400: badRequest },
  },
  'GET /v1/apps': {
    summary: 'List credentials through Temporal visibility, a page at a time',
    description:
      'Own apps by default; `component` lists that component’s authorizers (revoked ones included). ' +
      'Pass `next_page_token` back as `page_token` for the next page.',
    tag: 'admin',
    query: listQuery,
    responses: { 200: { description: 'One page', schema: listResponse }, 400: badRequest },
  },
  'GET /v1/apps/:platform/:appid': describeDoc('app'),
  'GET /v1/components/:platform/:componentAppid': describeDoc('component'),
  'GET /v1/components/:platform/:componentAppid/authorizers/:authorizerAppid': describeDoc('authorizer'),
  ...thirdPartyDocs(),
};

export interface RegisteredRoute {
  method: string;
  url: string;
  scope: string;
}

/** Routes that are part of the API (HEAD twins and the docs page, `config.hide`, are not). */
export function isApiRoute(route: RouteOptions): boolean {
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  return !methods.every((m) => m === 'HEAD') && !(route.config as { hide?: boolean } | undefined)?.hide;
}

const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function operation(doc: RouteDoc, scope: string): JsonSchema {
  const protectedRoute = scope !== 'public';
  const responses: Record<string, JsonSchema> = {};
  const all: Record<number, ResponseDoc> = protectedRoute
    ? {
        ...doc.responses,
        401: error('No or unknown API key (`unauthorized`)'),
        403: error(`The API key lacks the \`${scope}\` scope or this credential (\`forbidden\`)`),
        429: { ...error('Over the API key’s rate limit (`rate_limited`)'), headers: retryAfter },
      }
    : doc.responses;
  for (const [code, response] of Object.entries(all)) {
    responses[code] = {
      description: response.description,
      ...(response.headers ? { headers: response.headers } : {}),
      ...(response.schema
        ? { content: { [response.contentType ?? 'application/json']: { schema: jsonSchema(response.schema) } } }
        : {}),
    };
  }
  const body = doc.body;
  return {
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    ...(protectedRoute ? { 'x-scope': scope } : {}),
    security: protectedRoute ? [{ bearerAuth: [] }, { apiKeyHeader: [] }] : [],
    parameters: [...parameters(doc.params, 'path'), ...parameters(doc.query, 'query')],
    ...(body
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              (body.contentTypes ?? ['application/json']).map((type) => [
                type,
                {
                  schema: 'raw' in body ? { type: 'string', description: body.raw } : jsonSchema(body.schema, 'input'),
                },
              ]),
            ),
          },
        }
      : {}),
    responses,
  };
}

/** The document for `routes`; routes without an entry in `routeDocs` are listed in `undocumentedRoutes`. */
export function buildOpenApiDocument(routes: readonly RegisteredRoute[]) {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const undocumentedRoutes: string[] = [];
  for (const route of routes) {
    const key = `${route.method} ${route.url}`;
    const doc = routeDocs[key];
    if (!doc) {
      undocumentedRoutes.push(key);
      continue;
    }
    (paths[openApiPath(route.url)] ??= {})[route.method.toLowerCase()] = operation(doc, route.scope);
  }
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'token-central gateway',
      version: '1',
      description:
        'Tokens of WeChat, Douyin and Baidu credentials kept fresh by Temporal workflows. Every JSON answer is ' +
        'snake_case with ISO-8601 times; every error is `{"error": {"code", "message"}}`. Protected routes take an ' +
        'API key (`Authorization: Bearer <key>` or `X-Api-Key`) with the scope named in `x-scope`.',
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer' },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
      },
    },
    paths,
  };
  return { document, undocumentedRoutes };
}

/**
 * Collects the routes registered from now on and serves their description. Call before any
 * route is registered (the onRoute hook sees only later routes).
 */
export function registerOpenApi(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    if (!isApiRoute(route)) return;
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    const scope = (route.config as { scope?: string } | undefined)?.scope ?? 'admin';
    for (const method of methods) routes.push({ method, url: route.url, scope });
  });
  let built: ReturnType<typeof buildOpenApiDocument>['document'] | undefined;
  const document = () => (built ??= buildOpenApiDocument(routes).document);

  app.get('/openapi.json', { config: { scope: 'public' } }, async () => document());
  void app.register(docsPage, { specUrl: '/openapi.json' });
}
