import Fastify, { type FastifyInstance } from 'fastify';
import { controlErrorHandler } from './core/control';
import { registerCoreControlRoutes } from './core/control-routes';
import { SandboxCore, type CoreOptions } from './core/state';
import { SandboxControl } from './control-client';
import { wechatPlugin } from './wechat';
import { douyinPlugin } from './douyin';
import { baiduPlugin } from './baidu';

export interface SandboxOptions extends CoreOptions {
  /** 0 (default) = a free port. */
  port?: number;
  host?: string;
  /** pino logging of every request; off by default (tests). */
  logger?: boolean;
}

export interface SandboxHandle {
  /** Base URL, e.g. http://127.0.0.1:40123 — the stand-in for https://api.weixin.qq.com etc. */
  url: string;
  port: number;
  /** In-process access to clock, rng, faults and call log (tests may use it directly). */
  core: SandboxCore;
  /** A control client bound to `url`. */
  control: SandboxControl;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** Builds the Fastify app with every platform registered; not listening yet. */
export async function buildSandbox(options: SandboxOptions = {}): Promise<{ app: FastifyInstance; core: SandboxCore }> {
  const core = new SandboxCore(options);
  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true });

  // Platforms parse bodies themselves (JSON, XML, forms; malformed ones get the platform's own
  // error, not a Fastify 400), so every body reaches handlers as a raw string.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.setErrorHandler(controlErrorHandler);

  registerCoreControlRoutes(app, core);
  await app.register(wechatPlugin, { core });
  await app.register(douyinPlugin, { core });
  await app.register(baiduPlugin, { core });
  // Further platforms register here the same way.

  app.addHook('onClose', async () => core.close());
  return { app, core };
}

/** Starts a sandbox listening on `port` (0 = free). Used in-process by tests and by `npm run sandbox`. */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  const { app, core } = await buildSandbox(options);
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 0);
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  return { url, port, core, app, control: new SandboxControl(url), close: () => app.close() };
}
