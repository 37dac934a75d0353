import { PlatformError } from '../../platforms/errors';

/** The PlatformError a platform call rejects with (the test fails if it resolves or rejects otherwise). */
export async function platformErrorOf(call: Promise<unknown>): Promise<PlatformError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlatformError);
  return err as PlatformError;
}
