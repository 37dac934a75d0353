/**
 * Gateway input hardening shared by its routes: what the router itself refuses (a parameter longer
 * than `maxParamLength`, a malformed URL) answers in the gateway's JSON error shape, echoing nothing
 * of the request.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  void reply.status(tooLong ? 414 : 400).send({
    error: { code: 'bad_request', message: tooLong ? 'path parameter too long' : 'malformed request' },
  });
}
