import { PushCryptoError } from './biz-msg-crypt';

/** Pushes are a few hundred bytes; anything far larger is abuse, not a ticket. */
export const DEFAULT_MAX_PUSH_BYTES = 64 * 1024;

export function readBoundedBody(body: string | Buffer, maxBytes = DEFAULT_MAX_PUSH_BYTES): string {
  const size = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  if (size > maxBytes) throw new PushCryptoError('too_large', `push body of ${size} bytes exceeds ${maxBytes}`);
  return typeof body === 'string' ? body : body.toString('utf8');
}
