/**
 * zod schemas shared by the gateway's routes. Routes our services call refuse unknown query
 * parameters; routes the platforms call (pushes, authorization redirects) validate the fields they
 * use and tolerate extra ones, since a platform adding a parameter must not make us drop a push.
 */
import { z } from 'zod';
import type { CredentialStatus } from '../workflows/messages';
import { tpDescriptor, type TpPlatform } from '../workflows/tp-platforms';

export const appidSchema = z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, 'must be an appid');
export const noQuery = z.object({}).strict();
export const componentParams = z.object({ componentAppid: appidSchema }).strict();

const signaturePart = z.string().max(128);
/** WeChat puts the push signature in the query string (docs/platforms.md §2.2). */
export const wechatPushQuery = z
  .object({
    signature: signaturePart.optional(),
    timestamp: signaturePart.optional(),
    nonce: signaturePart.optional(),
    encrypt_type: signaturePart.optional(),
    msg_signature: signaturePart.optional(),
  })
  .loose();
/** Douyin and Baidu sign inside the JSON body; the query carries nothing we use. */
export const jsonPushQuery = z.record(z.string(), z.string().max(256)).optional();
/** Each platform's push query, checked before anything else. */
export const pushQueries: Readonly<Record<TpPlatform, z.ZodType<Readonly<Record<string, unknown>> | undefined>>> = {
  wechat: wechatPushQuery,
  douyin: jsonPushQuery,
  baidu: jsonPushQuery,
};

const redirectTarget = {
  redirect_uri: z.string().url().optional(),
  format: z.enum(['redirect', 'json']).default('redirect'),
};
/** Starting an authorization: where the platform sends the merchant back, and whether to redirect or answer JSON. */
export const authorizeStartQuery = z.object(redirectTarget).strict();
/** WeChat's page also takes the variant (PC QR or H5) and which accounts may authorize. */
export const wechatAuthorizeStartQuery = z
  .object({
    variant: z.enum(['pc', 'h5']).default('pc'),
    auth_type: z.coerce.number().int().min(1).max(6).optional(),
    biz_appid: z
      .string()
      .regex(/^[A-Za-z0-9_-]{4,64}$/)
      .optional(),
    ...redirectTarget,
  })
  .strict()
  .refine((q) => q.auth_type === undefined || q.biz_appid === undefined, 'auth_type and biz_appid are exclusive');
export type AuthorizeStartQuery = z.infer<typeof authorizeStartQuery> &
  Partial<z.infer<typeof wechatAuthorizeStartQuery>>;
export const authorizeStartQueries: Readonly<Record<TpPlatform, z.ZodType<AuthorizeStartQuery>>> = {
  wechat: wechatAuthorizeStartQuery,
  douyin: authorizeStartQuery,
  baidu: authorizeStartQuery,
};

/** The authorization redirect back: the code, under the platform's parameter name (auth_code, authorization_code). */
function callbackCode(codeParam: string) {
  const shape: Record<string, z.ZodType> = {
    [codeParam]: z.string().min(1).max(512),
    expires_in: z.string().optional(),
    /** The signed state of the authorization link (gateway/authorization-state.ts), checked by the route. */
    state: z.string().max(1024).optional(),
  };
  return z.looseObject(shape).transform((query) => String(query[codeParam]));
}
export const authorizeCallbackCodes: Readonly<Record<TpPlatform, z.ZodType<string>>> = {
  wechat: callbackCode(tpDescriptor('wechat').redirectCodeParam),
  douyin: callbackCode(tpDescriptor('douyin').redirectCodeParam),
  baidu: callbackCode(tpDescriptor('baidu').redirectCodeParam),
};

const platformSchema = z.enum(['wechat', 'douyin', 'baidu']);
export const appRefParams = z.object({ platform: z.literal('wechat'), appid: appidSchema });
export const componentRefParams = z.object({ platform: platformSchema, componentAppid: appidSchema });
export const authorizerRefParams = componentRefParams.extend({ authorizerAppid: appidSchema });
/** A passive-refresh report: the token the caller saw rejected. */
export const invalidateBody = z.object({ access_token: z.string().min(1).max(2048) }).strict();

export const credentialStatuses = [
  'pending',
  'active',
  'refreshing',
  'degraded',
  'expired',
  'reauth_required',
  'credential_invalid',
  'revoked',
] as const satisfies readonly CredentialStatus[];

export const listQuery = z
  .object({
    status: z.enum(credentialStatuses).optional(),
    platform: platformSchema.optional(),
    /** Lists the authorizers of this component (revoked ones included) instead of own apps. */
    component: appidSchema.optional(),
    kind: z.enum(['app', 'component', 'authorizer']).optional(),
    page_size: z.coerce.number().int().min(1).max(1000).default(100),
    /** The previous page's `next_page_token` (opaque). */
    page_token: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,4096}$/, 'must be a next_page_token')
      .optional(),
  })
  .strict();
