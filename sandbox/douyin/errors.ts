import type { PlatformAnswer, PlatformDialect } from '../core/http';
import type { SeededRng } from '../core/rng';

/** Douyin log ids look like '20240101120000' + hex; the sandbox derives them from its clock and rng. */
export function logId(rng: SeededRng, now: number): string {
  const stamp = new Date(now + 8 * 3600_000).toISOString().replace(/\D/g, '').slice(0, 14);
  return `${stamp}${rng.hex(20).toUpperCase()}`;
}

/** V2 tpapp APIs: `{err_no, err_msg, log_id, data}`, HTTP 200 even on errors. */
export function envelopeAnswer(rng: SeededRng, now: number, data: unknown): PlatformAnswer {
  return { body: { err_no: 0, err_msg: '', log_id: logId(rng, now), data } };
}

export function envelopeError(rng: SeededRng, now: number, code: number, message: string): PlatformAnswer {
  return { body: { err_no: code, err_msg: message, log_id: logId(rng, now) } };
}

/** The V2 component-token endpoint: flat success, `{errno, message}` only on error. */
export function flatError(code: number, message: string): PlatformAnswer {
  return { body: { errno: code, message } };
}

const SYSTEM_ERROR = 40000;

function codeOf(body: unknown): number | null {
  if (!body || typeof body !== 'object') return null;
  const { err_no: errNo, errno } = body as { err_no?: unknown; errno?: unknown };
  if (typeof errNo === 'number') return errNo;
  if (typeof errno === 'number') return errno;
  return 0;
}

export function douyinEnvelopeDialect(rng: SeededRng, now: () => number): PlatformDialect {
  return {
    platform: 'douyin',
    busy: () => envelopeError(rng, now(), SYSTEM_ERROR, 'system error'),
    error: (code, message) => envelopeError(rng, now(), code, message ?? `error ${code}`),
    errcodeOf: codeOf,
  };
}

export function douyinFlatDialect(): PlatformDialect {
  return {
    platform: 'douyin',
    // 40045 = "token generation failed, retry" (docs/platforms.md §3.2): the token endpoint's way of saying busy.
    busy: () => flatError(40045, 'generate token failed, please retry'),
    error: (code, message) => flatError(code, message ?? `error ${code}`),
    errcodeOf: codeOf,
  };
}
