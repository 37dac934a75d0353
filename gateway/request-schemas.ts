/**
 * zod schemas shared by the gateway's routes. Routes our services call refuse unknown query
 * parameters; routes the platforms call (pushes, authorization redirects) validate the fields they
 * use and tolerate extra ones, since a platform adding a parameter must not make us drop a push.
 */
import { z } from 'zod';
import type { CredentialStatus } from '../workflows/messages';

export const appidSchema = z.string().regex(/^[A-Za-z0-9_-]{4,64}$/, 'must be an appid');
export const noQuery = z.object({}).strict();
export const componentParams = z.object({ componentAppid: appidSchema }).strict();

const signaturePart = z.string().max(128);
/** WeChat puts the push signature in the query string (platforms.md §2.2). */
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

const platformSchema = z.enum(['wechat', 'douyin', 'baidu']);
export const appRefParams = z.object({ platform: z.literal('wechat'), appid: appidSchema });
export const componentRefParams = z.object({ platform: platformSchema, componentAppid: appidSchema });
export const authorizerRefParams = componentRefParams.extend({ authorizerAppid: appidSchema });
/** A passive-refresh report: the token the caller saw rejected. */
export const invalidateBody = z.object({ access_token: z.string().min(1).max(2048) }).strict();

const statuses = [
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
    status: z.enum(statuses).optional(),
    platform: platformSchema.optional(),
    /** Lists the authorizers of this component (revoked ones included) instead of own apps. */
    component: appidSchema.optional(),
    kind: z.enum(['app', 'component', 'authorizer']).optional(),
  })
  .strict();
