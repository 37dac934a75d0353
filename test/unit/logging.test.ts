import { Writable } from 'node:stream';
import { createLogger, redact, REDACTED } from '../../worker/logging';

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
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ destination, level: 'info' });
    logger.info({ appid: 'wx1', response: { access_token: 'VERY-SECRET-TOKEN', expires_in: 7200 } }, 'refreshed');
    expect(lines.join('')).toContain('wx1');
    expect(lines.join('')).toContain('7200');
    expect(lines.join('')).not.toContain('VERY-SECRET-TOKEN');
  });
});
