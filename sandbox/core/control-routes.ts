import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { controlInput, ControlNotFound } from './control';
import { faultSpecSchema } from './faults';
import { query } from './http';
import type { SandboxCore } from './state';

const clockSchema = z.object({
  timeScale: z.number().positive().optional(),
  mode: z.enum(['real', 'manual']).optional(),
});
const advanceSchema = z.object({ ms: z.number().nonnegative() });

/** The platform-independent part of the /__sandbox control API. */
export function registerCoreControlRoutes(app: FastifyInstance, core: SandboxCore): void {
  const clockView = () => ({ now: core.clock.now(), timeScale: core.clock.timeScale, mode: core.clock.clockMode });

  app.post('/__sandbox/reset', async () => {
    core.reset();
    return { ok: true };
  });

  app.get('/__sandbox/info', async () => ({ seed: core.rng.seed, ...clockView() }));

  app.get('/__sandbox/clock', async () => clockView());
  app.post('/__sandbox/clock', async (request) => {
    const input = controlInput(clockSchema, request);
    if (input.timeScale !== undefined) core.clock.setTimeScale(input.timeScale);
    if (input.mode !== undefined) core.clock.setMode(input.mode);
    return clockView();
  });
  app.post('/__sandbox/clock/advance', async (request) => {
    const { ms } = controlInput(advanceSchema, request);
    core.clock.advance(ms);
    return clockView();
  });

  app.post('/__sandbox/faults', async (request) => {
    const fault = core.faults.add(controlInput(faultSpecSchema, request));
    return { id: fault.id };
  });
  app.get('/__sandbox/faults', async () => ({ faults: core.faults.list() }));
  app.delete('/__sandbox/faults', async () => {
    core.faults.clear();
    return { ok: true };
  });
  app.delete<{ Params: { id: string } }>('/__sandbox/faults/:id', async (request) => {
    if (!core.faults.remove(request.params.id)) throw new ControlNotFound(`no fault ${request.params.id}`);
    return { ok: true };
  });

  app.get('/__sandbox/calls', async (request) => {
    const q = query(request);
    const calls = core.calls.query({ platform: q.platform, endpoint: q.endpoint, appid: q.appid });
    return { calls, total: calls.length };
  });
  app.get('/__sandbox/invalid-token-uses', async (request) => {
    const q = query(request);
    const uses = core.calls.invalidTokenUses({ platform: q.platform, endpoint: q.endpoint, appid: q.appid });
    return { uses, total: uses.length };
  });
  app.get('/__sandbox/single-use', async (request) => {
    const q = query(request);
    const presentations = core.calls.singleUsePresentations({ platform: q.platform, authorizerAppid: q.appid });
    return { presentations, total: presentations.length };
  });
  app.get('/__sandbox/stats', async () => core.calls.stats());
}
