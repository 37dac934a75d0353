/**
 * The test stack itself on a real dev server (test/harness/temporal.ts): the bundled workflows run,
 * answer queries and signals and fire a real timer, and the server has the project's search
 * attributes registered. If this fails, every other integration test fails for the same reason.
 */
import { createDevEnvironment, type DevEnvironment } from '../harness/temporal';
import { runStackProbe } from '../harness/stack-probe';

describe('stack probe on the dev server', () => {
  let dev: DevEnvironment;
  beforeAll(async () => {
    dev = await createDevEnvironment();
  });
  afterAll(async () => {
    await dev?.teardown();
  });

  it('answers queries and signals and fires a real timer', async () => {
    const { seen, result } = await runStackProbe(dev.env, 1_500);
    expect(seen).toBe(5);
    expect(result).toBe(5);
  });

  it('has the project search attributes registered', async () => {
    const { customAttributes } = await dev.env.connection.operatorService.listSearchAttributes({
      namespace: dev.env.namespace,
    });
    expect(Object.keys(customAttributes ?? {})).toEqual(
      expect.arrayContaining(['TokenPlatform', 'TokenKind', 'TokenAppId', 'TokenStatus', 'TokenExpiresAt']),
    );
  });
});
