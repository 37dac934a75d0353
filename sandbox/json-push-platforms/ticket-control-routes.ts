import type { FastifyInstance } from 'fastify';
import type { JsonPushAppLike, JsonPushPlatformState } from './platform-state';

/**
 * `…/{id}/ticket/start|pause|push` under a JSON-push platform's control prefix: start or pause the
 * app's ticket timer, or push one ticket now, outside the timer.
 */
export function registerTicketControlRoutes<App extends JsonPushAppLike>(
  app: FastifyInstance,
  routes: { prefix: string; param: string },
  state: JsonPushPlatformState<App>,
  find: (id: string) => App,
): void {
  type Params = { Params: Record<string, string> };
  const base = `${routes.prefix}/:${routes.param}/ticket`;
  const target = (params: Record<string, string>) => find(params[routes.param] ?? '');
  app.post<Params>(`${base}/start`, async (request) => {
    state.schedule(target(request.params)).start();
    return { running: true };
  });
  app.post<Params>(`${base}/pause`, async (request) => {
    state.schedule(target(request.params)).pause();
    return { running: false };
  });
  app.post<Params>(`${base}/push`, async (request) => {
    const { ticket, push } = state.pushTicket(target(request.params));
    return { ticket, pushId: push?.id ?? null };
  });
}
