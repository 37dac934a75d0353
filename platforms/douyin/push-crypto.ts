/**
 * Douyin tpapp pushes (docs/platforms.md §3.1, §3.7): JSON envelope, 32 random bytes, trailer = TP appid,
 * decrypted JSON is either the component_ticket or an authorization event.
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

export const DOUYIN_PREFIX_LENGTH = 32;

export const douyinTicketSchema = z.object({
  Ticket: z.string().min(1),
  FromUserName: z.string(),
  CreateTime: beijingDatetime,
  MsgType: z.literal('Ticket'),
  Event: z.literal('PUSH'),
});

const authBase = {
  /** The authorizing mini program, not the TP app (unlike WeChat's AppId). */
  AppId: z.string().min(1),
  TpAppId: z.string().min(1),
  EventTime: beijingDatetime,
};

const authorizedSchema = z.object({
  ...authBase,
  Event: z.enum(['AUTHORIZED', 'UPDATE_AUTHORIZED']),
  AuthorizationCode: z.string().min(1),
  AuthorizationCodeExpiresIn: z.number().int().positive(),
});

const unauthorizedSchema = z.object({
  ...authBase,
  Event: z.literal('UNAUTHORIZED'),
  AuthorizationCode: z.string().optional(),
  AuthorizationCodeExpiresIn: z.number().int().optional(),
});

export const douyinPushSchema = z.union([douyinTicketSchema, authorizedSchema, unauthorizedSchema]);

export type DouyinTicketPush = z.infer<typeof douyinTicketSchema>;
export type DouyinAuthorizedPush = z.infer<typeof authorizedSchema>;
export type DouyinUnauthorizedPush = z.infer<typeof unauthorizedSchema>;
export type DouyinPushMessage = z.infer<typeof douyinPushSchema>;

const DOUYIN_PUSH: JsonPushFormat<DouyinPushMessage> = {
  name: 'Douyin push',
  prefixLength: DOUYIN_PREFIX_LENGTH,
  schema: douyinPushSchema,
  // The ticket is {MsgType: 'Ticket', Event: 'PUSH'}; authorization events name themselves in Event (§3.1, §3.7).
  eventFields: ['Event', 'MsgType'],
  handledEvents: new Set(['PUSH', 'Ticket', 'AUTHORIZED', 'UPDATE_AUTHORIZED', 'UNAUTHORIZED']),
};

export interface DouyinPushConfig extends Omit<JsonPushReceiver, 'trailer'> {
  tpAppid: string;
}

export type OpenedDouyinPush = OpenedJsonPush<DouyinPushMessage>;

export function openDouyinPush(
  config: DouyinPushConfig,
  body: string | Buffer,
  opts: { nowSeconds?: number } = {},
): OpenedDouyinPush {
  return openJsonPush(DOUYIN_PUSH, { ...config, trailer: config.tpAppid }, body, opts);
}

export interface BuildDouyinPushInput extends SealJsonPushInput<DouyinPushMessage> {
  tpAppid: string;
}

/** Sandbox side: the POST body Douyin would send to the 授权事件接收 URL. */
export function buildDouyinPush(input: BuildDouyinPushInput): { body: string; envelope: JsonPushEnvelope } {
  return sealJsonPush(DOUYIN_PUSH, { ...input, trailer: input.tpAppid });
}
