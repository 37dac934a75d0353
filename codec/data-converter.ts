/**
 * The one DataConverter every Client, Worker and test environment is given: AES-GCM payload codec
 * plus a failure converter that moves messages and stack traces into (encrypted) payloads.
 */
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec, type KeyRing } from './codec';

/**
 * For `bundleWorkflowCode({ failureConverterPath })`: a prebuilt workflow bundle ignores the
 * worker's dataConverter.failureConverterPath, and workflow failures would then be written in the clear.
 */
export const failureConverterPath = require.resolve('./failure-converter');

export function createDataConverter(ring: KeyRing): DataConverter {
  // DataConverter in SDK 1.24 takes the failure converter by module path (the sandbox loads it too).
  return { payloadCodecs: [new AesGcmCodec(ring)], failureConverterPath };
}
