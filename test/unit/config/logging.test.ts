/**
 * The redacting logger (config/logging.ts, invariant 5): sensitive values are replaced at any depth,
 * a token value never reaches the output, and requests are logged by method and path, never by
 * their query string.
 */
import { Writable } from 'node:stream';
import { createLogger, redact, REDACTED } from '../../../config/logging';

/** A logger whose output lines are kept in memory. */
function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ destination, level: 'info' }) };
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
