/**
 * The failure converter every worker, workflow bundle and client uses: failure messages and stack
 * traces go into an encoded payload, so the codec encrypts them like any other data.
 * Loaded by path (DataConverter.failureConverterPath, bundleWorkflowCode's failureConverterPath)
 * and bundled into the workflow sandbox, so it must import nothing but @temporalio/common.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
