import type { FastifyRequest } from 'fastify';
import type { InvalidTokenReason } from '../core/call-log';
import { query, type EndpointContext, type PlatformAnswer } from '../core/http';
import { wechatError } from './errors';
import type { WechatState } from './state';
import type { TokenRecord, WechatTokenKind } from './token-registry';

export type TokenGate = { ok: true; record: TokenRecord } | { ok: false; answer: PlatformAnswer };

const ERRCODE: Record<InvalidTokenReason, number> = {
  missing: 41001,
  unknown: 40001,
  invalidated: 40001,
  expired: 42001,
  wrong_type: 40001,
};

/**
 * Validates the token a business/component API was called with and, when it is bad, answers the
 * platform's error and counts the invalid use (a central server should never cause one).
 */
export function checkToken(
  wx: WechatState,
  request: FastifyRequest,
  ctx: EndpointContext,
  endpoint: string,
  accepted: readonly WechatTokenKind[],
  paramNames: readonly string[] = ['access_token'],
): TokenGate {
  const q = query(request);
  const value = paramNames.map((name) => q[name]).find((v) => v !== undefined && v !== '');
  const now = wx.now();
  let reason: InvalidTokenReason;
  let appid: string | null = null;
  if (value === undefined) reason = 'missing';
  else {
    const check = wx.registry.check(value, now);
    appid = (check.record ?? wx.registry.get(value))?.appid ?? null;
    if (check.ok && accepted.includes(check.record.kind)) {
      ctx.setAppid(check.record.appid);
      return { ok: true, record: check.record };
    }
    reason = check.ok ? 'wrong_type' : check.reason;
  }
  ctx.setAppid(appid);
  wx.core.calls.recordInvalidToken({
    at: now,
    platform: 'wechat',
    endpoint,
    appid,
    reason,
    tokenPrefix: (value ?? '').slice(0, 12),
  });
  return { ok: false, answer: wechatError(wx.core.rng, ERRCODE[reason]) };
}
