import type { PlatformAnswer, PlatformDialect } from '../core/http';

/** smartapp APIs: `{errno, msg, data}`, HTTP 200. */
export function smartappAnswer(data: unknown): PlatformAnswer {
  return { body: { errno: 0, msg: 'success', data } };
}

export function smartappError(code: number, message: string): PlatformAnswer {
  return { body: { errno: code, msg: message } };
}

/** The OAuth endpoint: HTTP 400 `{error, error_description}` (docs/platforms.md §4.9). */
export function oauthError(error: string, description: string): PlatformAnswer {
  return { status: 400, body: { error, error_description: description } };
}

function errnoOf(body: unknown): number | null {
  if (!body || typeof body !== 'object') return null;
  const errno = (body as { errno?: unknown }).errno;
  return typeof errno === 'number' ? errno : 0;
}

export function baiduSmartappDialect(): PlatformDialect {
  return {
    platform: 'baidu',
    busy: () => smartappError(1, 'Unknown error'),
    error: (code, message) => smartappError(code, message ?? `error ${code}`),
    errcodeOf: errnoOf,
  };
}

/** OAuth errors carry names, not numbers: the call log records -1 for any of them. */
export function baiduOAuthDialect(): PlatformDialect {
  return {
    platform: 'baidu',
    busy: () => ({ status: 503, body: { error: 'temporarily_unavailable', error_description: 'server busy' } }),
    error: (code, message) => oauthError(message ?? 'invalid_request', `error ${code}`),
    errcodeOf: (body) => {
      if (!body || typeof body !== 'object') return null;
      return 'error' in body ? -1 : 0;
    },
  };
}
