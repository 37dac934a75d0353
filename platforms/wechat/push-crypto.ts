/**
 * WeChat Open Platform component pushes (docs/platforms.md §2.2, §2.3, §2.9): XML envelope with the signature in the
 * URL query, 16 random bytes, trailer = component appid, decrypted XML is the verify ticket or an auth event.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import {
  checkTimestamp,
  computeSignature,
  decryptWithKeyRing,
  encryptMessage,
  PushCryptoError,
  sha1Sorted,
  verifySignature,
  type KeyUsed,
  type RandomBytes,
} from '../common/biz-msg-crypt';
import { readBoundedBody } from '../common/push-body';
import { unhandledEvent, type UnhandledEvent } from '../common/unhandled-event';

export const WECHAT_PREFIX_LENGTH = 16;

// Entities stay unexpanded and DOCTYPE is refused outright: no XXE, no billion laughs.
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: true,
});

const FORBIDDEN_MARKUP = /<!(DOCTYPE|ENTITY)/i;

function parseXmlRoot(text: string, code: 'bad_envelope' | 'bad_payload', what: string): unknown {
  if (FORBIDDEN_MARKUP.test(text)) throw new PushCryptoError(code, `${what}: DOCTYPE/ENTITY declarations are refused`);
  if (XMLValidator.validate(text) !== true) throw new PushCryptoError(code, `${what} is not well-formed XML`);
  const doc = parser.parse(text) as Record<string, unknown>;
  if (typeof doc.xml !== 'object' || doc.xml === null) throw new PushCryptoError(code, `${what}: missing <xml> root`);
  return doc.xml;
}

const envelopeSchema = z.object({ AppId: z.string().optional(), Encrypt: z.string().min(1) });
export type WechatPushEnvelope = z.infer<typeof envelopeSchema>;

export function parseWechatEnvelope(body: string | Buffer, maxBytes?: number): WechatPushEnvelope {
  const root = parseXmlRoot(readBoundedBody(body, maxBytes), 'bad_envelope', 'push body');
  const parsed = envelopeSchema.safeParse(root);
  if (!parsed.success) throw new PushCryptoError('bad_envelope', `push envelope: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const unixSeconds = z.string().regex(/^\d+$/).transform(Number);

const ticketSchema = z.object({
  AppId: z.string().min(1),
  CreateTime: unixSeconds,
  InfoType: z.literal('component_verify_ticket'),
  ComponentVerifyTicket: z.string().min(1),
});

const authorizedSchema = z.object({
  AppId: z.string().min(1),
  CreateTime: unixSeconds,
  InfoType: z.enum(['authorized', 'updateauthorized']),
  AuthorizerAppid: z.string().min(1),
  AuthorizationCode: z.string().min(1),
  /** Absolute unix time or a duration: the doc does not say (docs/platforms.md §2.9); kept as sent. */
  AuthorizationCodeExpiredTime: unixSeconds,
  PreAuthCode: z.string(),
});

const unauthorizedSchema = z.object({
  AppId: z.string().min(1),
  CreateTime: unixSeconds,
  InfoType: z.literal('unauthorized'),
  AuthorizerAppid: z.string().min(1),
});

export const wechatPushSchema = z.union([ticketSchema, authorizedSchema, unauthorizedSchema]);

export type WechatTicketPush = z.infer<typeof ticketSchema>;
export type WechatAuthorizedPush = z.infer<typeof authorizedSchema>;
export type WechatUnauthorizedPush = z.infer<typeof unauthorizedSchema>;
export type WechatPushMessage = z.infer<typeof wechatPushSchema>;

/** The InfoTypes this project acts on; others (e.g. fast-registration notices, §2.9) are unhandled events. */
const HANDLED_INFO_TYPES: ReadonlySet<string> = new Set([
  'component_verify_ticket',
  'authorized',
  'updateauthorized',
  'unauthorized',
]);

export function parseWechatPushXml(xml: string): WechatPushMessage | UnhandledEvent {
  const root = parseXmlRoot(xml, 'bad_payload', 'decrypted push');
  const other = unhandledEvent(root, ['InfoType', 'Event', 'MsgType'], HANDLED_INFO_TYPES);
  if (other) return other;
  const parsed = wechatPushSchema.safeParse(root);
  if (!parsed.success) throw new PushCryptoError('bad_payload', `WeChat push: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export interface WechatPushConfig {
  token: string;
  encodingAESKey: string;
  previousEncodingAESKey?: string;
  componentAppid: string;
  maxBodyBytes?: number;
  maxSkewSeconds?: number;
}

export interface WechatPushQuery {
  signature?: string;
  timestamp?: string;
  nonce?: string;
  encrypt_type?: string;
  msg_signature?: string;
}

export interface OpenedWechatPush {
  /** A handled message, or an InfoType the project does not act on. */
  message: WechatPushMessage | UnhandledEvent;
  keyUsed: KeyUsed;
  envelope: WechatPushEnvelope;
  xml: string;
}

/** Gateway side. msg_signature (which covers Encrypt) is the authoritative check; `signature` is not needed. */
export function openWechatPush(
  config: WechatPushConfig,
  query: WechatPushQuery,
  body: string | Buffer,
  opts: { nowSeconds?: number } = {},
): OpenedWechatPush {
  const { timestamp, nonce, msg_signature: msgSignature } = query;
  if (!timestamp || !nonce || !msgSignature) {
    throw new PushCryptoError('bad_envelope', 'query needs timestamp, nonce and msg_signature');
  }
  if (query.encrypt_type !== undefined && query.encrypt_type !== 'aes') {
    throw new PushCryptoError('bad_envelope', `unsupported encrypt_type ${query.encrypt_type}`);
  }
  const envelope = parseWechatEnvelope(body, config.maxBodyBytes);
  verifySignature(msgSignature, config.token, timestamp, nonce, envelope.Encrypt);
  if (opts.nowSeconds !== undefined && config.maxSkewSeconds !== undefined) {
    checkTimestamp(timestamp, opts.nowSeconds, config.maxSkewSeconds);
  }
  const opened = decryptWithKeyRing(
    { current: config.encodingAESKey, previous: config.previousEncodingAESKey },
    { prefixLength: WECHAT_PREFIX_LENGTH, encrypt: envelope.Encrypt, expectedTrailer: config.componentAppid },
  );
  return { message: parseWechatPushXml(opened.message), keyUsed: opened.keyUsed, envelope, xml: opened.message };
}

function cdata(value: string): string {
  if (value.includes(']]>')) throw new Error('value cannot contain "]]>"');
  return `<![CDATA[${value}]]>`;
}

/** Strings go in CDATA, numbers bare — the shape WeChat's own pushes have. */
export function wechatPushToXml(message: WechatPushMessage): string {
  const fields = Object.entries(message).map(([name, value]) =>
    typeof value === 'number' ? `<${name}>${value}</${name}>` : `<${name}>${cdata(String(value))}</${name}>`,
  );
  return `<xml>${fields.join('')}</xml>`;
}

export interface BuildWechatPushInput {
  token: string;
  encodingAESKey: string;
  componentAppid: string;
  /** A typed message, or raw XML text (the sandbox uses raw text to simulate malformed payloads). */
  message: WechatPushMessage | string;
  timestamp: string;
  nonce: string;
  random?: RandomBytes;
}

export interface BuiltWechatPush {
  query: { signature: string; timestamp: string; nonce: string; encrypt_type: 'aes'; msg_signature: string };
  body: string;
}

/** Sandbox side: the query string and POST body WeChat would send to the 授权事件接收 URL. */
export function buildWechatPush(input: BuildWechatPushInput): BuiltWechatPush {
  const xml = typeof input.message === 'string' ? input.message : wechatPushToXml(input.message);
  const encrypt = encryptMessage({
    encodingAESKey: input.encodingAESKey,
    prefixLength: WECHAT_PREFIX_LENGTH,
    message: xml,
    trailer: input.componentAppid,
    random: input.random,
  });
  return {
    query: {
      // The plain URL signature covers only token, timestamp and nonce; msg_signature also covers Encrypt.
      signature: sha1Sorted(input.token, input.timestamp, input.nonce),
      timestamp: input.timestamp,
      nonce: input.nonce,
      encrypt_type: 'aes',
      msg_signature: computeSignature(input.token, input.timestamp, input.nonce, encrypt),
    },
    body: `<xml><AppId>${cdata(input.componentAppid)}</AppId><Encrypt>${cdata(encrypt)}</Encrypt></xml>`,
  };
}
