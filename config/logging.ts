/**
 * Structured logging (pino) with secrets redacted by key at any depth, shared by the worker,
 * the gateway and the Temporal runtime. A value under a sensitive key never reaches the output.
 * Lines are human-readable (pino-pretty) when stdout is a terminal and JSON otherwise;
 * `LOG_FORMAT=pretty|json` overrides. Redaction happens before either format sees a line.
 */
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type LogFormat = 'pretty' | 'json';

/** `LOG_FORMAT` if set, else pretty on a terminal and JSON otherwise (files, pipes, log collectors). */
export function defaultLogFormat(
  env: NodeJS.ProcessEnv = process.env,
  isTTY = Boolean(process.stdout.isTTY),
): LogFormat {
  const chosen = env.LOG_FORMAT?.trim().toLowerCase();
  if (chosen === 'pretty' || chosen === 'json') return chosen;
  return isTTY ? 'pretty' : 'json';
}

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

export interface LoggerOptions {
  level?: string;
  name?: string;
  /** Default stdout. */
  destination?: DestinationStream;
  /** Default: JSON into a given destination, else `defaultLogFormat()`. */
  format?: LogFormat;
}

/**
 * The gateway's request lines (gateway/plugins/request-log.ts) as one readable line each,
 * `GET /v1/tokens/app/:platform/:appid → 200 in 1.2 ms`, instead of one line per field.
 */
function compactRequestLines(target: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      if (line.includes('"msg":"request"')) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        const { method, route, path, statusCode, ms, reqId: _id, ...rest } = entry;
        if (entry.msg === 'request' && typeof method === 'string') {
          line = `${JSON.stringify({ ...rest, msg: `${method} ${String(route ?? path)} → ${String(statusCode)} in ${String(ms)} ms` })}\n`;
        }
      }
      target.write(line);
    },
  };
}

function prettyStream(destination: DestinationStream | undefined): DestinationStream {
  return compactRequestLines(prettyPrinter(destination));
}

function prettyPrinter(destination: DestinationStream | undefined): DestinationStream {
  return pinoPretty({
    destination: (destination ?? 1) as NodeJS.WritableStream | number,
    colorize: destination === undefined && Boolean(process.stdout.isTTY),
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const format = options.format ?? (options.destination ? 'json' : defaultLogFormat());
  const destination = format === 'pretty' ? prettyStream(options.destination) : options.destination;
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
    destination,
  );
}

/**
 * `onProgress(done, total)` for long batches (registering a fleet at start-up): logs the first step,
 * then at most every `everyMs`, and always the last, so a 10,000-credential boot shows it is moving
 * without a line per credential.
 */
export function progressReporter(
  log: { info(message: string): void },
  label: string,
  options: { everyMs?: number; now?: () => number } = {},
): (done: number, total: number) => void {
  const everyMs = options.everyMs ?? 2_000;
  const now = options.now ?? Date.now;
  let last: number | undefined;
  return (done, total) => {
    if (last !== undefined && now() - last < everyMs && done < total) return;
    last = now();
    log.info(`${label}: ${done}/${total}`);
  };
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
