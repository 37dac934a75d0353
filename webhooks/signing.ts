/**
 * Signing of status-change webhooks, shared by the sender and receivers (see docs/operations.md):
 * HMAC-SHA256 over `${timestamp}.${body}` with the webhook's secret, hex in
 * `x-token-central-signature: v1=<hex>`, unix seconds in `x-token-central-timestamp`. Signing the
 * timestamp with the body lets a receiver refuse replays: reject a timestamp outside its window.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-token-central-signature';
export const TIMESTAMP_HEADER = 'x-token-central-timestamp';
/** A receiver's default tolerance for the timestamp (either side of its clock). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function webhookSignature(secret: string, timestampSeconds: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

/** The headers a delivery carries. */
export function signedHeaders(secret: string, timestampSeconds: number, body: string): Record<string, string> {
  return {
    [SIGNATURE_HEADER]: webhookSignature(secret, timestampSeconds, body),
    [TIMESTAMP_HEADER]: String(timestampSeconds),
  };
}

export type VerifyResult = { ok: true } | { ok: false; reason: 'missing' | 'stale' | 'mismatch' };

/**
 * What a receiver checks: both headers present, the timestamp within `toleranceSeconds` of
 * `nowSeconds`, and the signature over the raw body (compare bytes, in constant time).
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  rawBody: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): VerifyResult {
  const signature = headers[SIGNATURE_HEADER];
  const timestamp = Number(headers[TIMESTAMP_HEADER]);
  if (typeof signature !== 'string' || !Number.isInteger(timestamp)) return { ok: false, reason: 'missing' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(webhookSignature(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'mismatch' };
  return { ok: true };
}
