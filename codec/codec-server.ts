/**
 * Codec server for the Temporal Web UI (`--ui-codec-endpoint http://127.0.0.1:PORT/codec`): the UI
 * posts encrypted payloads from the browser and shows what comes back. Whoever can call /decode
 * can read tokens, so it listens on loopback by default and needs a bearer token anywhere else.
 * Without a bearer token it answers only requests whose `Host` is a loopback name with its port,
 * so a web page cannot reach it by rebinding its DNS name to 127.0.0.1.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import cors from '@fastify/cors';
import type { Payload } from '@temporalio/common';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isLoopbackAddress, isLoopbackHostHeader } from '../config/loopback';
import { AesGcmCodec, CodecError, type KeyRing } from './codec';

export const CODEC_PATH_PREFIX = '/codec';
export const DEFAULT_UI_ORIGINS = ['http://localhost:8233'];
const BODY_LIMIT = 2 * 1024 * 1024;

export interface CodecServerOptions {
  ring: KeyRing;
  /** Web UI origins allowed to call from the browser. */
  allowedOrigins?: string[];
  /** When set, every call needs `Authorization: Bearer <token>` (the UI's "pass access token"). */
  bearerToken?: string;
  /** When set, only these namespaces (the UI's X-Namespace header) are served. */
  namespaces?: string[];
  /**
   * Answer only requests whose `Host` names a loopback listener on the port they arrived at
   * (DNS rebinding defence). Default: on without a bearer token.
   */
  loopbackHostOnly?: boolean;
  logger?: FastifyBaseLogger;
}

export interface StartCodecServerOptions extends CodecServerOptions {
  /** 127.0.0.1 unless told otherwise. */
  host?: string;
  port: number;
}

export class CodecServerConfigError extends Error {
  override name = 'CodecServerConfigError';
}

/** The JSON form of a Payload as the UI sends it: metadata values and data in base64. */
const jsonPayload = z.object({
  metadata: z.record(z.string(), z.string()).nullish(),
  data: z.string().nullish(),
});
const body = z.object({ payloads: z.array(jsonPayload) });
type JsonPayload = z.infer<typeof jsonPayload>;

function fromJson({ metadata, data }: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data ?? '', 'base64'),
  };
}

function toJson({ metadata, data }: Payload): { metadata: Record<string, string>; data: string } {
  return {
    metadata: Object.fromEntries(
      Object.entries(metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(data ?? new Uint8Array()).toString('base64'),
  };
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Constant-time: digests have equal length whatever the caller sends. */
function bearerCheck(token: string) {
  const expected = digest(token);
  return (header: string | undefined): boolean => {
    const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
    return timingSafeEqual(digest(match?.[1]?.trim() ?? ''), expected) && match !== null;
  };
}

export const isLoopbackHost = isLoopbackAddress;

/**
 * Whether `npm start` runs the codec server. The embedded default runs it (loopback). Against a
 * real cluster (TEMPORAL_ADDRESS) it runs only when enabled, and then only with a bearer token:
 * it would decrypt that cluster's history for anyone who reaches it.
 */
export function shouldRunCodecServer(opts: { embedded: boolean; enabled?: boolean; bearerToken?: string }): boolean {
  if (opts.embedded) return opts.enabled ?? true;
  if (!opts.enabled) return false;
  if (!opts.bearerToken) {
    throw new CodecServerConfigError(
      'CODEC_SERVER_ENABLED with TEMPORAL_ADDRESS needs CODEC_SERVER_TOKEN (a bearer token): the codec server ' +
        "would decrypt the cluster's history for anyone who reaches it.",
    );
  }
  return true;
}

export function buildCodecServer(opts: CodecServerOptions): FastifyInstance {
  const codec = new AesGcmCodec(opts.ring);
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
  });
  const origins = opts.allowedOrigins ?? DEFAULT_UI_ORIGINS;
  const authorised = opts.bearerToken ? bearerCheck(opts.bearerToken) : undefined;
  const namespaces = opts.namespaces ? new Set(opts.namespaces) : undefined;

  if (opts.loopbackHostOnly ?? !opts.bearerToken) {
    // First hook of all, before CORS answers a preflight: a rebound page gets nothing.
    app.addHook('onRequest', async (request, reply) => {
      if (!isLoopbackHostHeader(request.headers.host, request.socket.localPort)) {
        return reply.code(403).send({ error: 'Host must be a loopback name (localhost, 127.0.0.1, [::1]) and port' });
      }
    });
  }

  // Registered first and at the root, so preflights and 401s alike carry the CORS headers.
  void app.register(cors, {
    origin: origins,
    methods: ['POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'x-namespace', 'authorization'],
    credentials: true,
    maxAge: 600,
  });

  void app.register(
    async (scope) => {
      scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
        if (authorised && !authorised(request.headers.authorization)) {
          return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized' });
        }
        const namespace = request.headers['x-namespace'];
        if (namespaces && (typeof namespace !== 'string' || !namespaces.has(namespace))) {
          return reply.code(403).send({ error: 'namespace not served by this codec server' });
        }
      });

      const route = (operation: 'encode' | 'decode') => async (request: FastifyRequest, reply: FastifyReply) => {
        const parsed = body.safeParse(request.body);
        if (!parsed.success)
          return reply.code(400).send({ error: 'expected {"payloads":[{"metadata":{},"data":""}]}' });
        try {
          const payloads = await codec[operation](parsed.data.payloads.map(fromJson));
          return { payloads: payloads.map(toJson) };
        } catch (err) {
          // CodecError messages name key ids only; anything else stays in the (redacting) log.
          if (err instanceof CodecError) return reply.code(400).send({ error: err.message });
          request.log.error({ err }, `codec ${operation} failed`);
          return reply.code(500).send({ error: `${operation} failed` });
        }
      };
      scope.post('/encode', route('encode'));
      scope.post('/decode', route('decode'));
    },
    { prefix: CODEC_PATH_PREFIX },
  );
  return app;
}

/** Listens and returns the URL to give the UI (`--ui-codec-endpoint`). */
export async function startCodecServer(
  opts: StartCodecServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const host = opts.host ?? '127.0.0.1';
  if (!isLoopbackHost(host) && !opts.bearerToken) {
    throw new CodecServerConfigError(
      `Refusing to serve the codec server on ${host} without a bearer token: anyone reaching it could decrypt ` +
        'payloads. Configure a bearer token or bind to 127.0.0.1.',
    );
  }
  const app = buildCodecServer(opts);
  await app.listen({ host, port: opts.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const shownHost = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return { url: `http://${shownHost}:${port}${CODEC_PATH_PREFIX}`, close: () => app.close() };
}
