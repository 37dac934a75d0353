/**
 * Starts `temporal server start-dev` (from the PyPI wheel) and waits until it really serves,
 * instead of the SDK's 5-second start limit that a loaded 2-core machine can miss. Used by
 * `npm start` (persistent SQLite under .data/) and by the test harness (temp SQLite, free port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { requireTemporalCli } from './temporal-binaries';
import { ensureSearchAttributes } from './search-attributes';

export interface DevServerOptions {
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; the UI is off (headless) when omitted. */
  uiPort?: number;
  uiCodecEndpoint?: string;
  /** SQLite file; in-memory when omitted. */
  dbFile?: string;
  namespace?: string;
  /** Lowers `limit.historyCount.suggestContinueAsNew`, to exercise continue-as-new in tests. */
  suggestContinueAsNewAt?: number;
  readyTimeoutMs?: number;
  /** Where the server's own output goes; discarded by default. */
  logStream?: 'inherit' | 'ignore';
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', namespace];
  args.push('--log-level', 'error');
  if (options.uiPort) {
    args.push('--ui-port', String(options.uiPort), '--ui-disable-news-fetch');
    if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  } else {
    args.push('--headless');
  }
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (options.suggestContinueAsNewAt) {
    args.push('--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${options.suggestContinueAsNewAt}`);
  }
  const guard = path.join(__dirname, 'orphan-guard.cjs');
  const child = spawn(process.execPath, [guard, String(process.pid), requireTemporalCli(), ...args], {
    stdio: ['ignore', options.logStream ?? 'ignore', options.logStream ?? 'ignore'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntilServing(address, namespace, options.readyTimeoutMs ?? 60_000, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address,
    namespace,
    uiUrl: options.uiPort ? `http://localhost:${options.uiPort}` : undefined,
    process: child,
    stop,
  };
}

async function waitUntilServing(address: string, namespace: string, timeoutMs: number, child: ChildProcess) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Temporal dev server exited with code ${child.exitCode}`);
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.describeNamespace({ namespace });
      await ensureSearchAttributes(connection, namespace);
      return;
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await connection?.close();
    }
  }
  throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}
