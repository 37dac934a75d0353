/**
 * How a single-use request spends its activity attempt (activities/tp.ts, invariant 3): never more
 * than the HTTP timeout, never more than the attempt has left, and nothing sent at all when no time
 * is left — a failure that says so and is not ambiguous, so the refresh token may be used again. The
 * budget itself is specified in test/unit/workflows/tp-platforms.test.ts.
 */
import { singleUseHttp } from '../../../activities/tp';
import { PlatformError } from '../../../platforms/errors';
import { SINGLE_USE_ACTIVITY_TIMEOUT_MS, SINGLE_USE_HTTP_TIMEOUT_MS } from '../../../workflows/tp-platforms';

describe('single-use timeouts (docs/architecture.md invariant 3)', () => {
  it('every single-use request gets at most the HTTP timeout, and never more than the attempt has left', () => {
    const started = 1_000_000;
    expect(singleUseHttp({ timeoutMs: 30_000 }, started, started).timeoutMs).toBe(SINGLE_USE_HTTP_TIMEOUT_MS);
    expect(singleUseHttp({ timeoutMs: 2_000 }, started, started).timeoutMs).toBe(2_000);
    // Late in the attempt (a slow component-token read): what is left, minus a margin.
    const late = singleUseHttp({ timeoutMs: 30_000 }, started, started + 6_000).timeoutMs;
    expect(6_000 + late).toBeLessThan(SINGLE_USE_ACTIVITY_TIMEOUT_MS);
    // No time left: nothing is sent, and the failure says so (not ambiguous, so the token may be retried).
    try {
      singleUseHttp({ timeoutMs: 30_000 }, started, started + 9_000);
      throw new Error('expected no_time_left');
    } catch (err) {
      expect(err).toBeInstanceOf(PlatformError);
      expect((err as PlatformError).details).toMatchObject({ code: 'no_time_left', category: 'retry_later' });
      expect((err as PlatformError).details.ambiguous).toBeUndefined();
    }
  });
});
