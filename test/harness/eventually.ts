/**
 * The one way tests wait for a condition: poll with a deadline, never a fixed sleep. Light on
 * purpose (no imports), so every tier can use it.
 */

/**
 * Polls `probe` until it returns something other than `undefined` or `false`, and returns that;
 * fails after `timeoutMs`, naming `what` and the probe's last error. A probe that throws is asked
 * again (the thing it reads may not exist yet).
 */
export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
