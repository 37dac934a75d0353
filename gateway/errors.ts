/**
 * The one error shape every route answers with, `{ error: { code, message, … } }`, and the
 * handlers that map thrown errors onto it. Routes import this module, never the app.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import { CredentialNotFoundError, TokenUnavailableError } from '../client/token-client';

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof HttpError) {
    return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, ...err.extra } });
  }
  if (err instanceof ZodError) {
    const message = err.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; ');
    return reply.status(400).send({ error: { code: 'bad_request', message } });
  }
  if (err instanceof CredentialNotFoundError) {
    return reply.status(404).send({ error: { code: 'not_found', message: err.message } });
  }
  if (err instanceof TokenUnavailableError) {
    return reply.status(503).send({ error: { code: 'token_unavailable', message: err.message, status: err.status } });
  }
  if (isResourceExhausted(err)) {
    // Temporal refused the call (e.g. too many in-flight updates on one workflow): a retry soon works.
    return reply
      .status(503)
      .header('retry-after', String(BUSY_RETRY_AFTER_SECONDS))
      .send({ error: { code: 'temporal_busy', message: 'Temporal is busy, retry shortly' } });
  }
  const statusCode = (err as { statusCode?: number }).statusCode;
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    return reply.status(statusCode).send({ error: { code: 'bad_request', message: (err as Error).message } });
  }
  request.log.error({ err }, 'request failed');
  return reply.status(500).send({ error: { code: 'internal', message: 'internal error' } });
}

/** Seconds a caller waits before retrying a call Temporal refused as resource-exhausted. */
export const BUSY_RETRY_AFTER_SECONDS = 1;
const GRPC_RESOURCE_EXHAUSTED = 8;

/** gRPC RESOURCE_EXHAUSTED anywhere in the error's cause chain (the SDK wraps it in a ServiceError). */
export function isResourceExhausted(err: unknown): boolean {
  for (let cause = err, depth = 0; typeof cause === 'object' && cause !== null && depth < 5; depth++) {
    if ((cause as { code?: unknown }).code === GRPC_RESOURCE_EXHAUSTED) return true;
    cause = (cause as { cause?: unknown }).cause;
  }
  return false;
}

export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  return reply
    .status(404)
    .send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
}

/**
 * What the router itself refuses (a parameter longer than `maxParamLength`, a malformed URL)
 * answers in the same shape, echoing nothing of the request.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply.status(tooLong ? 414 : 400).send({
    error: { code: 'bad_request', message: tooLong ? 'path parameter too long' : 'malformed request' },
  });
}
