import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { Fault } from './faults';
import type { SandboxCore } from './state';

/** What a platform handler answers; the wrapper serialises it unless a fault says otherwise. */
export interface PlatformAnswer {
  status?: number;
  /** Objects are sent as JSON; strings as-is with `contentType`. */
  body: unknown;
  contentType?: string;
  /** Redirects and the like. */
  headers?: Record<string, string>;
}

/** How a platform speaks: its busy answer, its error envelope, where the error code sits. */
export interface PlatformDialect {
  platform: string;
  busy(): PlatformAnswer;
  error(code: number, message?: string): PlatformAnswer;
  /** The platform error code in a body (0 for success), or null if none can be read. */
  errcodeOf(body: unknown): number | null;
}

export interface EndpointContext {
  core: SandboxCore;
  /** Override the appid recorded in the call log (e.g. resolved from the token). */
  setAppid(appid: string | null): void;
}

export interface EndpointSpec {
  method: HTTPMethods | HTTPMethods[];
  /** Also the key faults are armed on and the `endpoint` in the call log. */
  path: string;
  dialect: PlatformDialect;
  /** appid the request is for, used to filter faults and label the call. */
  appidOf?(request: FastifyRequest): string | undefined;
  handle(request: FastifyRequest, ctx: EndpointContext): PlatformAnswer | Promise<PlatformAnswer>;
}

/**
 * Registers a platform endpoint with fault injection and call recording around its handler.
 * Every upstream API of every platform goes through here, so faults and counters are uniform.
 */
export function platformRoute(app: FastifyInstance, core: SandboxCore, spec: EndpointSpec): void {
  app.route({
    method: spec.method,
    url: spec.path,
    handler: async (request, reply) => {
      const at = core.clock.now();
      let appid: string | null = safeAppid(spec, request) ?? null;
      const fault = core.faults.take(spec.path, appid ?? undefined);
      const ctx: EndpointContext = { core, setAppid: (a) => (appid = a) };
      const record = (status: number, errcode: number | null): void =>
        core.calls.record({
          at,
          platform: spec.dialect.platform,
          endpoint: spec.path,
          appid,
          status,
          errcode,
          fault: fault?.kind ?? null,
        });

      if (fault?.kind === 'latency') await sleep(fault.latencyMs ?? 1000);
      const immediate = fault ? faultAnswer(fault, spec.dialect) : undefined;
      if (immediate) {
        record(
          immediate.status ?? 200,
          immediate.status && immediate.status >= 500 ? null : spec.dialect.errcodeOf(immediate.body),
        );
        return send(reply, immediate);
      }
      if (fault?.kind === 'reset') {
        record(0, null);
        return destroy(request, reply);
      }
      const answer = await spec.handle(request, ctx);
      if (fault?.kind === 'drop_response') {
        // The operation happened (tokens minted, codes consumed); only the answer is lost.
        record(0, spec.dialect.errcodeOf(answer.body));
        return destroy(request, reply);
      }
      if (fault?.kind === 'garble_response') {
        // The operation happened; the answer arrives cut short, unreadable as JSON.
        record(200, spec.dialect.errcodeOf(answer.body));
        return send(reply, garbled(answer));
      }
      record(answer.status ?? 200, spec.dialect.errcodeOf(answer.body));
      return send(reply, answer);
    },
  });
}

function safeAppid(spec: EndpointSpec, request: FastifyRequest): string | undefined {
  try {
    return spec.appidOf?.(request);
  } catch {
    return undefined;
  }
}

function faultAnswer(fault: Fault, dialect: PlatformDialect): PlatformAnswer | undefined {
  switch (fault.kind) {
    case 'http5xx': {
      const status = fault.status ?? 502;
      return {
        status,
        body: `<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status}</h1></center><hr><center>nginx</center></body></html>`,
        contentType: 'text/html',
      };
    }
    case 'busy':
      return dialect.busy();
    case 'malformed':
      return { status: 200, body: '{"access_token":"', contentType: 'application/json; charset=utf-8' };
    case 'error':
      return dialect.error(fault.code ?? -1, fault.message);
    default:
      return undefined;
  }
}

/** The first few characters of the real answer with HTTP 200: never JSON, and no whole token in it. */
function garbled(answer: PlatformAnswer): PlatformAnswer {
  const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
  return {
    status: 200,
    body: text.slice(0, Math.min(12, Math.max(1, text.length - 1))),
    contentType: 'application/json; charset=utf-8',
  };
}

export function send(reply: FastifyReply, answer: PlatformAnswer): FastifyReply {
  reply.status(answer.status ?? 200);
  for (const [name, value] of Object.entries(answer.headers ?? {})) reply.header(name, value);
  if (typeof answer.body === 'string') {
    reply.type(answer.contentType ?? 'text/plain; charset=utf-8');
    return reply.send(answer.body);
  }
  reply.type(answer.contentType ?? 'application/json; charset=utf-8');
  return reply.send(JSON.stringify(answer.body));
}

function destroy(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack();
  request.raw.socket.destroy();
  return reply;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Request bodies reach handlers as raw strings (see server.ts); these read them. */
export function rawBody(request: FastifyRequest): string {
  return typeof request.body === 'string' ? request.body : '';
}

/** The JSON object in the body; null when absent or not a JSON object (platforms answer 47001-like errors). */
export function jsonBody(request: FastifyRequest): Record<string, unknown> | null {
  const raw = rawBody(request);
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function formBody(request: FastifyRequest): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(rawBody(request)));
}

export function query(request: FastifyRequest): Record<string, string | undefined> {
  return (request.query ?? {}) as Record<string, string | undefined>;
}

/** A string field of a parsed body or query: absent, empty and non-string values all read as undefined. */
export function str(source: Record<string, unknown> | null, key: string): string | undefined {
  const value = source?.[key];
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}
