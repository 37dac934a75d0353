import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { jsonBody } from './http';

export class ControlInputError extends Error {
  constructor(readonly issues: unknown) {
    super('invalid control request');
  }
}

/** Parse a control call's JSON body (an absent body reads as {}); throws ControlInputError → HTTP 400. */
export function controlInput<S extends z.ZodType>(schema: S, request: FastifyRequest): z.infer<S> {
  const body = jsonBody(request) ?? {};
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ControlInputError(parsed.error.issues);
  return parsed.data;
}

/** Fastify error handler for control routes: bad input is the caller's fault, and says why. */
export function controlErrorHandler(error: unknown, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof ControlInputError) return reply.status(400).send({ error: error.message, issues: error.issues });
  if (error instanceof ControlNotFound) return reply.status(404).send({ error: error.message });
  if (error instanceof ControlConflict) return reply.status(409).send({ error: error.message });
  const message = error instanceof Error ? error.message : String(error);
  return reply.status(500).send({ error: message });
}

export class ControlNotFound extends Error {}
export class ControlConflict extends Error {}
