/**
 * Baidu TP pushes (platforms.md §4.1, §4.8): JSON envelope, 16 random bytes, trailer = client_id;
 * decrypted JSON is the PascalCase ticket or a camelCase authorization event.
 */
import { z } from 'zod';
import type { KeyUsed, RandomBytes } from '../common/biz-msg-crypt';
import { openJsonPush, parsePayload, sealJsonPush, type JsonPushEnvelope } from '../common/json-push-envelope';

export const BAIDU_PREFIX_LENGTH = 16;

// Ids are longs in the doc, CreateTime is numeric in one sample and quoted in another: accept both, keep numbers.
const numeric = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]);
const datetime = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'expected "YYYY-MM-DD HH:MM:SS"');

export const baiduTicketSchema = z.object({
  Ticket: z.string().min(1),
  FromUserName: z.string(),
  CreateTime: numeric,
  MsgType: z.literal('ticket'),
  Event: z.literal('push'),
});

const authBase = { appId: numeric, tpAppId: numeric, eventTime: datetime };

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

export interface BaiduPushConfig {
  token: string;
  encodingAESKey: string;
  previousEncodingAESKey?: string;
  /** The TP key; it is the plaintext trailer. */
  clientId: string;
  maxBodyBytes?: number;
  maxSkewSeconds?: number;
}

export interface OpenedBaiduPush {
  message: BaiduPushMessage;
  keyUsed: KeyUsed;
  envelope: JsonPushEnvelope;
}

export function openBaiduPush(
  config: BaiduPushConfig,
  body: string | Buffer,
  opts: { nowSeconds?: number } = {},
): OpenedBaiduPush {
  const opened = openJsonPush(body, {
    token: config.token,
    keys: { current: config.encodingAESKey, previous: config.previousEncodingAESKey },
    prefixLength: BAIDU_PREFIX_LENGTH,
    expectedTrailer: config.clientId,
    maxBodyBytes: config.maxBodyBytes,
    nowSeconds: opts.nowSeconds,
    maxSkewSeconds: config.maxSkewSeconds,
  });
  const message = parsePayload(opened.plaintext, baiduPushSchema, 'Baidu push');
  return { message, keyUsed: opened.keyUsed, envelope: opened.envelope };
}

export interface BuildBaiduPushInput {
  token: string;
  encodingAESKey: string;
  clientId: string;
  /** A typed message, or raw JSON text (the sandbox uses raw text to simulate malformed payloads). */
  message: BaiduPushMessage | string;
  timestamp: string;
  nonce: string;
  random?: RandomBytes;
}

/** Sandbox side: the POST body Baidu would send to the 授权事件接收 URL. */
export function buildBaiduPush(input: BuildBaiduPushInput): { body: string; envelope: JsonPushEnvelope } {
  return sealJsonPush({
    token: input.token,
    encodingAESKey: input.encodingAESKey,
    prefixLength: BAIDU_PREFIX_LENGTH,
    trailer: input.clientId,
    plaintext: typeof input.message === 'string' ? input.message : JSON.stringify(input.message),
    timestamp: input.timestamp,
    nonce: input.nonce,
    random: input.random,
  });
}
