/**
 * The push route's replay guard (gateway/routes/push.ts, invariant 7): a signature seen within the
 * timestamp window is refused, forgotten once the window has passed (older pushes are stale
 * anyway), and released when the hand-off to Temporal fails, so the platform's retry gets through.
 */
import { ReplayGuard } from '../../../gateway/routes/push';

it('replay guard refuses a signature within its window, forgets it after, and can release it', () => {
  const guard = new ReplayGuard();
  expect(guard.claim('a', 2_000, 1_000)).toBe(true);
  expect(guard.claim('a', 2_000, 1_500)).toBe(false);
  expect(guard.claim('a', 3_000, 2_000)).toBe(true);
  guard.release('a');
  expect(guard.claim('a', 3_000, 2_100)).toBe(true);
});
