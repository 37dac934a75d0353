/**
 * What the gateway answers, as zod schemas: the source of the OpenAPI document's responses
 * (gateway/openapi.ts) and of the token reads' compiled serializer. Every JSON answer is snake_case
 * with ISO-8601 times (gateway/api-json.ts).
 */
import { z } from 'zod';
import { credentialStatuses } from './request-schemas';

export type JsonSchema = Record<string, unknown>;

/** The JSON schema (draft 2020-12, as OpenAPI 3.1 uses) of `schema`: `input` what a caller may send, `output` what we answer. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const isoTime = z.iso.datetime();
const status = z.enum(credentialStatuses);

export const tokenResponse = z
  .object({
    access_token: z.string().meta({ description: 'The current token; never one past its expiry.' }),
    expires_at: isoTime,
    expires_in: z.int().min(0).meta({ description: 'Seconds left, rounded down.' }),
    version: z.int().meta({ description: 'Increases every time the token value changes.' }),
  })
  .strict();

/** The one error shape: `token_unavailable` adds the credential's status. */
export const errorResponse = z.object({
  error: z
    .object({
      code: z.string().meta({ description: 'e.g. bad_request, unauthorized, forbidden, not_found, token_unavailable' }),
      message: z.string(),
      status: status.optional(),
    })
    .loose(),
});

const failure = z.object({ at: isoTime, category: z.string(), code: z.string(), message: z.string() }).loose();

/** The `describe` query's answer (workflows/messages.ts CredentialDescription), in the API's style. */
export const describeResponse = z
  .object({
    id: z.string(),
    status,
    version: z.int(),
    expires_at: isoTime.optional(),
    obtained_at: isoTime.optional(),
    next_refresh_at: isoTime.optional(),
    refreshes: z.int(),
    passive_refreshes: z.int(),
    forced_refreshes: z.int(),
    consecutive_failures: z.int(),
    last_error: failure.optional(),
    settings: z.record(z.string(), z.unknown()).meta({ description: 'Settings without secrets (references only).' }),
    ticket: z
      .object({
        state: z.enum(['missing', 'fresh', 'stale', 'expired']),
        received_at: isoTime.optional(),
        age_ms: z.number().optional(),
        start_push_calls: z.int(),
        last_start_push: z.object({ at: isoTime, outcome: z.string() }).optional(),
      })
      .loose()
      .optional()
      .meta({ description: 'Components: the last good ticket (never its value).' }),
    permissions: z
      .array(z.union([z.int(), z.string()]))
      .optional()
      .meta({ description: 'Authorizers: permissions granted (WeChat/Douyin permission-set ids, Baidu scope names).' }),
  })
  .loose();

export const listResponse = z.object({
  apps: z.array(
    z.object({
      id: z.string(),
      platform: z.string(),
      kind: z.enum(['app', 'component', 'authorizer']),
      appid: z.string(),
      component_appid: z.string().optional(),
      status: status.optional(),
      expires_at: isoTime.optional(),
    }),
  ),
  next_page_token: z
    .string()
    .optional()
    .meta({ description: 'Pass as page_token for the next page; absent on the last.' }),
});

export const registerResponse = z.object({ id: z.string() });
export const healthResponse = z.object({ ok: z.literal(true) });
export const authorizeUrlResponse = z.object({ url: z.url(), expires_in: z.int() });
export const callbackResponse = z.union([
  z.object({
    status: z.literal('authorized'),
    authorizer_appid: z.string(),
    permissions: z.array(z.union([z.int(), z.string()])),
  }),
  z.object({ status: z.literal('processing') }),
]);
