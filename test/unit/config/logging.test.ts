/**
 * The redacting logger (config/logging.ts, invariant 5): sensitive values are replaced at any depth,
 * a token value never reaches the output, and requests are logged by method and path, never by
 * their query string.
 */
import { Writable } from 'node:stream';
import {
  createLogger,
  defaultLogFormat,
  progressReporter,
  redact,
  REDACTED,
  type LogFormat,
} from '../../../config/logging';

/** A logger whose output lines are kept in memory. */
function capturingLogger(format: LogFormat = 'json') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ destination, level: 'info', format }) };
}

describe('redacting logger', () => {
  it('replaces sensitive values at any depth', () => {
    expect(
      redact({
        appid: 'wx1',
        access_token: 'AT',
        nested: { authorizer_refresh_token: 'RT', list: [{ component_verify_ticket: 'TK', secret: 'S' }] },
      }),
    ).toEqual({
      appid: 'wx1',
      access_token: REDACTED,
      nested: { authorizer_refresh_token: REDACTED, list: [{ component_verify_ticket: REDACTED, secret: REDACTED }] },
    });
  });

  it('never writes a token value to the output', () => {
    const { lines, logger } = capturingLogger();
    logger.info({ appid: 'wx1', response: { access_token: 'VERY-SECRET-TOKEN', expires_in: 7200 } }, 'refreshed');
    expect(lines.join('')).toContain('wx1');
    expect(lines.join('')).toContain('7200');
    expect(lines.join('')).not.toContain('VERY-SECRET-TOKEN');
  });

  it('logs a request by method and path, never its query string', () => {
    const { lines, logger } = capturingLogger();
    logger.info(
      { req: { id: 'req-1', method: 'GET', url: '/v1/authorize/wechat/wx1/callback?auth_code=CODE-123' } },
      'in',
    );
    logger.info({ res: { statusCode: 302, headers: { location: 'x' } } }, 'out');
    const output = lines.join('');
    expect(output).toContain('/v1/authorize/wechat/wx1/callback');
    expect(output).toContain('"method":"GET"');
    expect(output).toContain('302');
    expect(output).not.toContain('CODE-123');
  });
});

describe('log format', () => {
  it('is human-readable on a terminal and JSON otherwise; LOG_FORMAT overrides', () => {
    expect(defaultLogFormat({}, true)).toBe('pretty');
    expect(defaultLogFormat({}, false)).toBe('json');
    expect(defaultLogFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(defaultLogFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });

  it('writes readable lines in pretty mode, still redacting secrets and query strings', () => {
    const { lines, logger } = capturingLogger('pretty');
    logger.info({ appid: 'wx1', response: { access_token: 'VERY-SECRET-TOKEN', expires_in: 7200 } }, 'refreshed');
    logger.info({ req: { method: 'GET', url: '/v1/authorize/wechat/wx1/callback?auth_code=CODE-123' } }, 'in');
    const output = lines.join('');
    expect(output).toMatch(/INFO.*refreshed/);
    expect(output).not.toMatch(/^\{/); // not JSON
    expect(output).toContain('wx1');
    expect(output).toContain('7200');
    expect(output).toContain(REDACTED);
    expect(output).toContain('/v1/authorize/wechat/wx1/callback');
    expect(output).not.toContain('VERY-SECRET-TOKEN');
    expect(output).not.toContain('CODE-123');
  });

  it('prints a gateway request as one line naming the route', () => {
    const { lines, logger } = capturingLogger('pretty');
    const route = '/v1/tokens/app/:platform/:appid';
    logger.info(
      { reqId: 'r1', method: 'GET', route, path: '/v1/tokens/app/wechat/wx1', statusCode: 200, ms: 1.5 },
      'request',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`GET ${route} → 200 in 1.5 ms`);
    expect(lines[0]!.trim().split('\n')).toHaveLength(1);
  });
});

describe('progress of long batches (npm start registering a fleet)', () => {
  it('logs the first step, then at most every interval, and always the last', () => {
    const messages: string[] = [];
    let clock = 0;
    const report = progressReporter({ info: (msg: string) => void messages.push(msg) }, 'registering', {
      everyMs: 2_000,
      now: () => clock,
    });
    for (let done = 1; done <= 10_000; done++) {
      clock += 1; // 1 ms per credential: 10 s in all
      report(done, 10_000);
    }
    expect(messages[0]).toBe('registering: 1/10000');
    expect(messages.at(-1)).toBe('registering: 10000/10000');
    expect(messages).toHaveLength(6); // first, every 2 s (4 more), last
  });
});
