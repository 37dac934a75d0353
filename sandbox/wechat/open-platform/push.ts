import { request } from 'undici';
import { buildWechatPush, type WechatPushMessage } from '../../../platforms/wechat/push-crypto';
import type { SandboxCore } from '../../core/state';
import type { WechatComponent } from './component';

/** What WeChat puts in the URL query and body of a push to the 授权事件接收 URL. */
export interface SignedPush {
  query: Record<string, string>;
  body: string;
}

/**
 * THE single place where the sandbox uses the shared push crypto (platforms/wechat/push-crypto.ts,
 * on top of platforms/common/biz-msg-crypt.ts): encrypt the plaintext XML message, sign it, wrap it.
 * The sandbox imports nothing else from platforms/.
 */
function encryptAndSign(component: WechatComponent, core: SandboxCore, message: WechatPushMessage): SignedPush {
  const built = buildWechatPush({
    token: component.token,
    encodingAESKey: component.encodingAESKey,
    componentAppid: component.componentAppid,
    message,
    timestamp: String(Math.floor(core.clock.now() / 1000)),
    nonce: core.rng.digits(10),
    random: (size) => Buffer.from(Array.from({ length: size }, () => core.rng.int(0, 255))),
  });
  return { query: { ...built.query }, body: built.body };
}

export type AttemptOutcome = 'success' | 'bad_reply' | 'http_error' | 'network_error' | 'no_callback';

export interface PushAttempt {
  at: number;
  outcome: AttemptOutcome;
  status: number | null;
  /** First 200 characters of the reply body. */
  reply: string | null;
  error: string | null;
}

export interface PushDelivery {
  id: number;
  createdAt: number;
  infoType: string;
  authorizerAppid: string | null;
  /** The ticket carried, for component_verify_ticket pushes (tests read it here instead of decrypting). */
  ticket: string | null;
  message: WechatPushMessage;
  attempts: PushAttempt[];
  /** 'pending' while retries remain. */
  status: 'pending' | 'delivered' | 'failed';
}

/** Retry delays after a failed attempt, in platform seconds (scaled); then the platform gives up. */
export const RETRY_DELAYS = [5, 10, 20];
/** Real (unscaled) time the platform waits for a reply: the "did not reply within 5 s" alarm. */
export const REPLY_TIMEOUT_MS = 5000;

let nextDeliveryId = 1;

/**
 * Push `message` to the component's callback URL, retrying on the sandbox clock until the reply
 * body is exactly `success`. Resolves after the first attempt (retries continue in the background).
 */
export async function deliverPush(
  core: SandboxCore,
  component: WechatComponent,
  message: WechatPushMessage,
): Promise<PushDelivery> {
  const delivery: PushDelivery = {
    id: nextDeliveryId++,
    createdAt: core.clock.now(),
    infoType: message.InfoType,
    authorizerAppid: 'AuthorizerAppid' in message ? message.AuthorizerAppid : null,
    ticket: message.InfoType === 'component_verify_ticket' ? message.ComponentVerifyTicket : null,
    message,
    attempts: [],
    status: 'pending',
  };
  component.pushes.push(delivery);
  await attempt(core, component, delivery);
  return delivery;
}

async function attempt(core: SandboxCore, component: WechatComponent, delivery: PushDelivery): Promise<void> {
  const result = await postOnce(core, component, delivery.message);
  delivery.attempts.push(result);
  if (result.outcome === 'success') {
    delivery.status = 'delivered';
    return;
  }
  const delay = RETRY_DELAYS[delivery.attempts.length - 1];
  if (delay === undefined || result.outcome === 'no_callback') {
    delivery.status = 'failed';
    return;
  }
  core.clock.schedule(core.clock.now() + core.clock.duration(delay), () => {
    void attempt(core, component, delivery);
  });
}

async function postOnce(
  core: SandboxCore,
  component: WechatComponent,
  message: WechatPushMessage,
): Promise<PushAttempt> {
  const at = core.clock.now();
  const url = component.callbackUrl;
  if (!url) return { at, outcome: 'no_callback', status: null, reply: null, error: 'no callbackUrl configured' };
  // Signed at each attempt: a retry carries a fresh timestamp and nonce, as the platform's do.
  const signed = encryptAndSign(component, core, message);
  const target = new URL(url);
  for (const [key, value] of Object.entries(signed.query)) target.searchParams.set(key, value);
  try {
    const response = await request(target, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8' },
      body: signed.body,
      headersTimeout: REPLY_TIMEOUT_MS,
      bodyTimeout: REPLY_TIMEOUT_MS,
    });
    const reply = await response.body.text();
    const outcome: AttemptOutcome =
      response.statusCode !== 200 ? 'http_error' : reply === 'success' ? 'success' : 'bad_reply';
    return { at, outcome, status: response.statusCode, reply: reply.slice(0, 200), error: null };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { at, outcome: 'network_error', status: null, reply: null, error: text };
  }
}
