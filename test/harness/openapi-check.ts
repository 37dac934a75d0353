/**
 * Checks real answers against the gateway's own OpenAPI document (/openapi.json): the response
 * schema of (method, route pattern, status) must exist and accept the body. ajv (draft 2020-12, as
 * OpenAPI 3.1 uses) comes with Fastify.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, OpenApiResponse> }>>;
}
interface OpenApiResponse {
  content?: Record<string, { schema: object }>;
}

/** `/v1/apps/:platform/:appid` → `/v1/apps/{platform}/{appid}` */
export const openApiPath = (pattern: string) => pattern.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export function responseChecker(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  /** Problems of `body` as the answer `status` of `method pattern`; empty when it matches the description. */
  return function check(method: string, pattern: string, status: number, body: unknown): string[] {
    const operation = document.paths[openApiPath(pattern)]?.[method.toLowerCase()];
    if (!operation) return [`${method} ${pattern} is not described`];
    const response = operation.responses[String(status)];
    if (!response) return [`${method} ${pattern} does not describe status ${status}`];
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return [`${method} ${pattern} ${status} has no JSON schema`];
    const validate = ajv.compile(schema);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${method} ${pattern} ${status}: ${e.instancePath} ${e.message}`);
  };
}
