/**
 * Baidu TP pushes (docs/platforms.md §4.1, §4.8): JSON envelope, 16 random bytes, trailer = client_id;
 * decrypted JSON is the PascalCase ticket or a camelCase authorization event.
 */
import { z } from 'zod';
import {
  beijingDatetime,
  openJsonPush,
  sealJsonPush,
  type JsonPushEnvelope,
  type JsonPushFormat,
  type JsonPushReceiver,
  type OpenedJsonPush,
  type SealJsonPushInput,
} from '../common/json-push-envelope';

export const BAIDU_PREFIX_LENGTH = 16;

// Ids are longs in the doc, CreateTime is numeric in one sample and quoted in another: accept both, keep numbers.
const numeric = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);

export const baiduTicketSchema = z.object({
  Ticket: z.string().min(1),
  FromUserName: z.string(),
  CreateTime: numeric,
  MsgType: z.literal('ticket'),
  Event: z.literal('push'),
});

const authBase = { appId: numeric, tpAppId: numeric, eventTime: beijingDatetime };

const authorizedSchema = z.object({
  ...authBase,
  event: z.enum(['AUTHORIZED', 'UPDATE_AUTHORIZED']),
  authorizationCode: z.string().min(1),
  authorizationCodeExpiresIn: z.number().int().positive(),
});

const unauthorizedSchema = z.object({
  ...authBase,
  event: z.literal('UNAUTHORIZED'),
  authorizationCode: z.string().optional(),
  authorizationCodeExpiresIn: z.number().int().optional(),
});

export const baiduPushSchema = z.union([baiduTicketSchema, authorizedSchema, unauthorizedSchema]);

export type BaiduTicketPush = z.infer<typeof baiduTicketSchema>;
export type BaiduAuthorizedPush = z.infer<typeof authorizedSchema>;
export type BaiduUnauthorizedPush = z.infer<typeof unauthorizedSchema>;
export type BaiduPushMessage = z.infer<typeof baiduPushSchema>;

const BAIDU_PUSH: JsonPushFormat<BaiduPushMessage> = {
  name: 'Baidu push',
  prefixLength: BAIDU_PREFIX_LENGTH,
  schema: baiduPushSchema,
  // The ticket is PascalCase {MsgType: 'ticket', Event: 'push'}; authorization events camelCase `event` (§4.1, §4.8).
  eventFields: ['event', 'Event', 'MsgType'],
  handledEvents: new Set(['push', 'ticket', 'AUTHORIZED', 'UPDATE_AUTHORIZED', 'UNAUTHORIZED']),
};

export interface BaiduPushConfig extends Omit<JsonPushReceiver, 'trailer'> {
  /** The TP key; it is the plaintext trailer. */
  clientId: string;
}

export type OpenedBaiduPush = OpenedJsonPush<BaiduPushMessage>;

export function openBaiduPush(
  config: BaiduPushConfig,
  body: string | Buffer,
  opts: { nowSeconds?: number } = {},
): OpenedBaiduPush {
  return openJsonPush(BAIDU_PUSH, { ...config, trailer: config.clientId }, body, opts);
}

export interface BuildBaiduPushInput extends SealJsonPushInput<BaiduPushMessage> {
  clientId: string;
}

/** Sandbox side: the POST body Baidu would send to the 授权事件接收 URL. */
export function buildBaiduPush(input: BuildBaiduPushInput): { body: string; envelope: JsonPushEnvelope } {
  return sealJsonPush(BAIDU_PUSH, { ...input, trailer: input.clientId });
}
