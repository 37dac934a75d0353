/**
 * The one DataConverter every Client, Worker and test environment is given: AES-GCM payload codec
 * plus a failure converter that moves messages and stack traces into (encrypted) payloads.
 */
import type { DataConverter, Payload, PayloadCodec, SerializationContext } from '@temporalio/common';
import { createLogger } from '../config/logging';
import { AesGcmCodec, CodecError, type CodecOptions, type KeyRing } from './codec';

/**
 * For `bundleWorkflowCode({ failureConverterPath })`: a prebuilt workflow bundle ignores the
 * worker's dataConverter.failureConverterPath, and workflow failures would then be written in the clear.
 */
export const failureConverterPath = require.resolve('./failure-converter');

export function createDataConverter(ring: KeyRing, options: CodecOptions = {}): DataConverter {
  // DataConverter in SDK 1.24 takes the failure converter by module path (the sandbox loads it too).
  return { payloadCodecs: [new AesGcmCodec(ring, options)], failureConverterPath };
}

/** What a refused payload becomes on the worker: no value at all, as if the sender had sent none. */
export const ABSENT_PAYLOAD: Payload = { metadata: { encoding: new TextEncoder().encode('binary/null') } };

const log = createLogger({ name: 'codec' });

/**
 * On the worker, a payload the codec refuses (unencrypted, unknown key, tampered) reads as absent
 * instead of failing the workflow task. A throwing decode would fail every retry of the task, since
 * the payload stays in history: anyone able to signal could stop a credential's refreshes for good.
 * The handler then sees no argument, which message validation rejects (the signal is dropped).
 * Clients keep the throwing codec: a refused payload there is an error, not a value.
 */
export class RefusedPayloadsReadAsAbsent implements PayloadCodec {
  constructor(
    private readonly inner: PayloadCodec,
    private readonly onRefused: (reason: string, context?: SerializationContext) => void = logRefused,
  ) {}

  encode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return this.inner.encode(payloads, context);
  }

  async decode(payloads: Payload[], context?: SerializationContext): Promise<Payload[]> {
    return Promise.all(
      payloads.map(async (payload) => {
        try {
          const [decoded] = await this.inner.decode([payload], context);
          return decoded!;
        } catch (err) {
          if (!(err instanceof CodecError)) throw err;
          this.onRefused(err.message, context);
          return ABSENT_PAYLOAD;
        }
      }),
    );
  }
}

function logRefused(reason: string, context?: SerializationContext) {
  const where = context?.type === 'workflow' ? { workflowId: context.workflowId } : { activityId: context?.activityId };
  log.warn(
    { ...where, reason },
    'dropped a payload the codec refused; its message reaches the workflow without arguments',
  );
}

/** The worker's converter: the same codecs, with refused inbound payloads read as absent. */
export function workerDataConverter(converter: DataConverter): DataConverter {
  const codecs = converter.payloadCodecs ?? [];
  return { ...converter, payloadCodecs: codecs.map((codec) => new RefusedPayloadsReadAsAbsent(codec)) };
}
