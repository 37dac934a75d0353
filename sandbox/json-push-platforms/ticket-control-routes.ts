import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { controlInput } from '../core/control';
import type { JsonPushAppLike, JsonPushPlatformState } from './platform-state';

const loseAnswersSchema = z.object({ count: z.number().int().min(0).max(100) });

/**
 * `…/{id}/ticket/start|pause|push` under a JSON-push platform's control prefix: start or pause the
 * app's ticket timer, or push one ticket now, outside the timer. `…/{id}/pushes/lose-answers
 * {count}`: the next `count` answers to the app's pushes are lost, so each is sent again as it was.
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
  app.post<Params>(`${routes.prefix}/:${routes.param}/pushes/lose-answers`, async (request) => {
    const id = request.params[routes.param] ?? '';
    target(request.params); // 404 for an unknown app
    const { count } = controlInput(loseAnswersSchema, request);
    state.pushes.loseAnswers(id, count);
    return { count };
  });
}
