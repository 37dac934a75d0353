/**
 * Structured logging (pino) with secrets redacted by key at any depth, shared by the worker,
 * the gateway and the Temporal runtime. A value under a sensitive key never reaches the output.
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';

const SENSITIVE_KEY =
  /(^|_)(access_token|refresh_token|token|secret|appsecret|ticket|code|password|api_key|apikey|authorization|encrypt|encoding_aes_key)$/i;

export const REDACTED = '[redacted]';

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key) || /token|secret|ticket|authorization_code|auth_code/i.test(key);
}

/** Deep copy of `value` with every sensitive key's value replaced. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (value instanceof Error) return { type: value.name, message: value.message };
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, isSensitiveKey(key) ? REDACTED : redact(item, depth + 1)]),
  );
}

/**
 * HTTP requests are logged by method and path only: query strings carry authorization codes
 * (`?auth_code=`), signatures and, on platform APIs, secrets.
 */
function requestSummary(value: unknown): unknown {
  const req = value as { method?: unknown; url?: unknown; id?: unknown } | undefined;
  if (!req || typeof req.url !== 'string') return value;
  return { id: req.id, method: req.method, path: req.url.split('?')[0] };
}

function responseSummary(value: unknown): unknown {
  const res = value as { statusCode?: unknown } | undefined;
  return res && typeof res.statusCode === 'number' ? { statusCode: res.statusCode } : value;
}

export function createLogger(options: { level?: string; name?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'token-central',
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      // Summarise requests before redaction, which would otherwise see (and empty) the raw objects.
      formatters: {
        log: (object) => {
          const { req, res, ...rest } = object;
          const summarised = {
            ...rest,
            ...(req !== undefined ? { req: requestSummary(req) } : {}),
            ...(res !== undefined ? { res: responseSummary(res) } : {}),
          };
          return redact(summarised) as Record<string, unknown>;
        },
      },
    },
    options.destination,
  );
}

const levelMethod: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Routes Temporal SDK and workflow/activity logs through the same redacting pino logger. */
export function temporalLogger(logger: Logger): TemporalLogger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => logger[levelMethod[level]](meta ?? {}, message);
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
