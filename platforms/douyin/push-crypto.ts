/**
 * Douyin tpapp pushes (platforms.md §3.1, §3.7): JSON envelope, 32 random bytes, trailer = TP appid,
 * decrypted JSON is either the component_ticket or an authorization event.
 */
import { z } from 'zod';
import type { KeyUsed, RandomBytes } from '../common/biz-msg-crypt';
import { openJsonPush, parsePayload, sealJsonPush, type JsonPushEnvelope } from '../common/json-push-envelope';

export const DOUYIN_PREFIX_LENGTH = 32;

const datetime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'expected "YYYY-MM-DD HH:MM:SS"');

export const douyinTicketSchema = z.object({
  Ticket: z.string().min(1),
  FromUserName: z.string(),
  CreateTime: datetime,
  MsgType: z.literal('Ticket'),
  Event: z.literal('PUSH'),
});

const authBase = {
  /** The authorizing mini program, not the TP app (unlike WeChat's AppId). */
  AppId: z.string().min(1),
  TpAppId: z.string().min(1),
  EventTime: datetime,
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

export interface DouyinPushConfig {
  token: string;
  encodingAESKey: string;
  previousEncodingAESKey?: string;
  tpAppid: string;
  maxBodyBytes?: number;
  maxSkewSeconds?: number;
}

export interface OpenedDouyinPush {
  message: DouyinPushMessage;
  keyUsed: KeyUsed;
  envelope: JsonPushEnvelope;
}

export function openDouyinPush(
  config: DouyinPushConfig,
  body: string | Buffer,
  opts: { nowSeconds?: number } = {},
): OpenedDouyinPush {
  const opened = openJsonPush(body, {
    token: config.token,
    keys: { current: config.encodingAESKey, previous: config.previousEncodingAESKey },
    prefixLength: DOUYIN_PREFIX_LENGTH,
    expectedTrailer: config.tpAppid,
    maxBodyBytes: config.maxBodyBytes,
    nowSeconds: opts.nowSeconds,
    maxSkewSeconds: config.maxSkewSeconds,
  });
  const message = parsePayload(opened.plaintext, douyinPushSchema, 'Douyin push');
  return { message, keyUsed: opened.keyUsed, envelope: opened.envelope };
}

export interface BuildDouyinPushInput {
  token: string;
  encodingAESKey: string;
  tpAppid: string;
  /** A typed message, or raw JSON text (the sandbox uses raw text to simulate malformed payloads). */
  message: DouyinPushMessage | string;
  timestamp: string;
  nonce: string;
  random?: RandomBytes;
}

/** Sandbox side: the POST body Douyin would send to the 授权事件接收 URL. */
export function buildDouyinPush(input: BuildDouyinPushInput): { body: string; envelope: JsonPushEnvelope } {
  return sealJsonPush({
    token: input.token,
    encodingAESKey: input.encodingAESKey,
    prefixLength: DOUYIN_PREFIX_LENGTH,
    trailer: input.tpAppid,
    plaintext: typeof input.message === 'string' ? input.message : JSON.stringify(input.message),
    timestamp: input.timestamp,
    nonce: input.nonce,
    random: input.random,
  });
}
