/**
 * zod schemas shared by the gateway's routes. Routes our services call refuse unknown query
 * parameters; routes the platforms call (pushes, authorization redirects) validate the fields they
 * use and tolerate extra ones, since a platform adding a parameter must not make us drop a push.
 */
import { z } from 'zod';

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
