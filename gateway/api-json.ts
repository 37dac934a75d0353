/**
 * The one naming style of the HTTP API, applied at the gateway boundary: JSON keys in snake_case,
 * and every time (`at` or `…At`, epoch ms inside token-central) as an ISO-8601 string, like the
 * token reads' `expires_at`. Values are left alone: a setting such as `{ env: 'WX_SECRET' }` keeps
 * its variable name.
 */

/** `passiveRefreshes` → `passive_refreshes`, `start-push calls` → `start_push_calls`; snake_case keys are unchanged. */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

const isTimeKey = (key: string) => key === 'at' || /[a-z]At$/.test(key);

/** Deep copy of `value` in the API's style (snake_case keys, ISO times). */
export function toApiJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toApiJson);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => [
        snakeCase(key),
        isTimeKey(key) && typeof item === 'number' ? new Date(item).toISOString() : toApiJson(item),
      ]),
  );
}
