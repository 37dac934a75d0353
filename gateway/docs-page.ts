/**
 * The browsable API docs at `/docs`: Swagger UI showing `/openapi.json`. Its assets come from
 * swagger-ui-dist (the Swagger UI build), served from memory by a fixed list of names. Public (no secrets in it), hidden from the OpenAPI document, and a strict CSP: same-origin
 * scripts only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Not part of the API: left out of the OpenAPI document (the docs page itself). */
    hide?: boolean;
  }
}

const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "object-src 'none'; frame-ancestors 'none'; base-uri 'none'";

const page = (specUrl: string) => `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>token-central gateway API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui" data-spec-url="${specUrl}"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/docs/assets/init.js"></script>
</body>
</html>
`;

const init = `window.ui = SwaggerUIBundle({
  url: document.getElementById('swagger-ui').dataset.specUrl,
  dom_id: '#swagger-ui',
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

function assetDir(): string {
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

export async function docsPage(app: FastifyInstance, options: { specUrl: string }): Promise<void> {
  const cache = new Map<string, Buffer>();
  const config = { scope: 'public', hide: true } as const;
  app.get('/docs', { config }, async (_request, reply) =>
    reply.header('content-security-policy', CSP).type('text/html; charset=utf-8').send(page(options.specUrl)),
  );
  app.get<{ Params: { file: string } }>('/docs/assets/:file', { config }, async (request, reply) => {
    const { file } = request.params;
    if (file === 'init.js') return reply.type('text/javascript; charset=utf-8').send(init);
    const type = ASSETS[file];
    if (!type) throw new HttpError(404, 'not_found', 'no such asset');
    let body = cache.get(file);
    if (!body) cache.set(file, (body = readFileSync(path.join(assetDir(), file))));
    return reply.header('cache-control', 'public, max-age=86400').type(type).send(body);
  });
}
