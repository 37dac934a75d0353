/**
 * One log line per request, after the answer: method, route pattern, path without the query string
 * (a query may carry a platform's signature or code), status and time. Successful token reads log
 * at debug, so a busy gateway spends its CPU on answers; everything else at info.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const requestLogPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('onResponse', async (request, reply) => {
    const quiet = reply.statusCode < 400 && request.routeOptions.config?.scope === 'read';
    const line = {
      method: request.method,
      route: request.routeOptions.url,
      path: request.url.split('?')[0],
      statusCode: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (quiet) request.log.debug(line, 'request');
    else request.log.info(line, 'request');
  });
});
