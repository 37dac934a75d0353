/**
 * DNS rebinding defence for the open gateway (no API keys, loopback only): a web page whose name
 * its owner rebinds to 127.0.0.1 reaches a loopback listener from the victim's browser, but its
 * requests still carry the page's own name in `Host`. Only loopback names with the listener's port
 * are answered; registered by gateway/app.ts only in that mode.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { isLoopbackHostHeader } from '../../config/loopback';

export interface LoopbackHostOptions {
  /** The port callers must name; by default the port the request arrived at. */
  port?: number;
}

export const loopbackHostPlugin = fp(async (app: FastifyInstance, options: LoopbackHostOptions) => {
  app.addHook('onRequest', async (request, reply) => {
    if (isLoopbackHostHeader(request.headers.host, options.port ?? request.socket.localPort)) return;
    return reply.status(403).send({
      error: {
        code: 'forbidden_host',
        message: 'This gateway has no API keys and answers only Host localhost, 127.0.0.1 or [::1] with its port',
      },
    });
  });
});
