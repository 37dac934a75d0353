/**
 * The API's one naming style (gateway/api-json.ts): snake_case keys at any depth, times (`at`,
 * `…At`) as ISO strings, values untouched.
 */
import { snakeCase, toApiJson } from '../../../gateway/api-json';

it('snake_cases keys at any depth and turns epoch-ms times into ISO strings', () => {
  expect(
    toApiJson({
      passiveRefreshes: 1,
      expiresAt: Date.UTC(2026, 0, 1),
      lastError: { at: Date.UTC(2026, 0, 2), code: '40001' },
      ticket: { ageMs: 5, lastStartPush: { at: 0, outcome: 'ok' } },
      settings: { secretRef: { env: 'WX_MAIN_SECRET' }, staleTicketAfterMs: 1000 },
      permissions: [1, 2],
      already_snake: 'kept',
      skipped: undefined,
    }),
  ).toEqual({
    passive_refreshes: 1,
    expires_at: '2026-01-01T00:00:00.000Z',
    last_error: { at: '2026-01-02T00:00:00.000Z', code: '40001' },
    ticket: { age_ms: 5, last_start_push: { at: '1970-01-01T00:00:00.000Z', outcome: 'ok' } },
    settings: { secret_ref: { env: 'WX_MAIN_SECRET' }, stale_ticket_after_ms: 1000 },
    permissions: [1, 2],
    already_snake: 'kept',
  });
  expect(snakeCase('componentAppid')).toBe('component_appid');
  expect(snakeCase('start-push calls')).toBe('start_push_calls');
  expect(snakeCase('ticket kind')).toBe('ticket_kind');
});
