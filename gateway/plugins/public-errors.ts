/**
 * Public routes (pushes, authorization links and callbacks) answer anyone, so their refusals say
 * only what kind of refusal it is: the error's `code` stays (platforms and operators key on it), its
 * message becomes a generic one for the status, and the detailed message goes to the log. Routes
 * keep throwing their usual errors (gateway/errors.ts); this hook rewrites the answer on its way out.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

const GENERIC_MESSAGES: Record<number, string> = {
  400: 'request refused',
  404: 'not found',
  409: 'already received',
  413: 'request too large',
  415: 'unsupported content type',
  429: 'too many requests',
  502: 'the platform could not be reached or refused',
  503: 'temporarily unavailable',
};

export function genericMessage(statusCode: number): string {
  return GENERIC_MESSAGES[statusCode] ?? (statusCode >= 500 ? 'internal error' : 'request refused');
}

const publicErrorsImpl: FastifyPluginAsync = async (app) => {
  app.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done) => {
    if (request.routeOptions.config?.scope !== 'public' || reply.statusCode < 400 || typeof payload !== 'string') {
      return done(null, payload);
    }
    let body: { error?: { code?: unknown; message?: unknown } };
    try {
      body = JSON.parse(payload) as typeof body;
    } catch {
      return done(null, payload);
    }
    if (!body.error || typeof body.error.message !== 'string') return done(null, payload);
    const generic = genericMessage(reply.statusCode);
    if (body.error.message !== generic) {
      request.log.info(
        { statusCode: reply.statusCode, code: body.error.code, detail: body.error.message },
        'public route refused a request',
      );
    }
    done(null, JSON.stringify({ error: { code: body.error.code, message: generic } }));
  });
};

/** Not encapsulated: the hook must cover the public routes registered beside it. */
export const publicErrorsPlugin = fp(publicErrorsImpl);
