/**
 * The push route's duplicate handling (gateway/routes/push.ts, invariant 7): the same message
 * within its window is handed off once; a duplicate shares the first delivery's outcome (it waits
 * for a hand-off still in flight, and fails with it, so it is never answered `success` before
 * Temporal holds the message); a failed hand-off is forgotten so the platform's retry dispatches
 * again; past the window the message is dispatched again (older pushes are stale anyway).
 */
import { PushDeduplicator } from '../../../gateway/routes/push';

function counter(outcome: () => Promise<void> = () => Promise.resolve()) {
  const calls: number[] = [];
  return { calls, dispatch: () => (calls.push(calls.length + 1), outcome()) };
}

it('hands a message off once within its window and again after it', async () => {
  const guard = new PushDeduplicator();
  const d = counter();
  expect(await guard.once('a', { untilMs: 2_000, nowMs: 1_000 }, d.dispatch)).toBe('delivered');
  expect(await guard.once('a', { untilMs: 2_000, nowMs: 1_500 }, d.dispatch)).toBe('duplicate');
  expect(await guard.once('b', { untilMs: 2_000, nowMs: 1_500 }, d.dispatch)).toBe('delivered');
  expect(d.calls).toHaveLength(2);
  expect(await guard.once('a', { untilMs: 3_000, nowMs: 2_000 }, d.dispatch)).toBe('delivered');
  expect(d.calls).toHaveLength(3);
});

it('a duplicate of a hand-off in flight waits for it and shares its outcome', async () => {
  const guard = new PushDeduplicator();
  let finish!: (ok: boolean) => void;
  const first = counter(
    () =>
      new Promise<void>((resolve, reject) => (finish = (ok) => (ok ? resolve() : reject(new Error('temporal down'))))),
  );
  const window = { untilMs: 2_000, nowMs: 1_000 };
  const delivered = guard.once('a', window, first.dispatch);
  let duplicateSettled = false;
  const duplicate = guard.once('a', window, first.dispatch).finally(() => (duplicateSettled = true));
  await Promise.resolve();
  expect(duplicateSettled).toBe(false);
  finish(false);
  await expect(delivered).rejects.toThrow('temporal down');
  await expect(duplicate).rejects.toThrow('temporal down');
  expect(first.calls).toHaveLength(1);

  // Forgotten after the failure: the platform's retry dispatches again.
  const retry = counter();
  expect(await guard.once('a', window, retry.dispatch)).toBe('delivered');
  expect(retry.calls).toHaveLength(1);
});
