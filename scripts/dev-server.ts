/**
 * Starts `temporal server start-dev` (from the PyPI wheel) and waits until it really serves,
 * instead of the SDK's 5-second start limit that a loaded 2-core machine can miss. Used by
 * `npm start` (persistent SQLite under .data/) and by the test harness (temp SQLite, free port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Socket } from 'node:net';
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

/**
 * A port nothing listens on and the kernel will not hand out again soon: the probe connection is
 * closed from the listening side first, which leaves the port in TIME_WAIT, so no `listen(0)` or
 * outgoing connection takes it before the caller binds it (SO_REUSEADDR, which Node and Go set,
 * still allows an explicit bind). The Temporal CLI picks its own internal ports the same way.
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const probe = connect(address.port, '127.0.0.1');
  const probeClosed = new Promise<void>((resolve, reject) =>
    probe.once('close', () => resolve()).once('error', reject),
  );
  // Our side ends first; the probe answers the FIN by ending too (no half-open) and closes.
  (await accepted).end();
  await probeClosed;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

class ExitedWhileStarting extends Error {}

/** How often a server that dies while starting on a port of our choosing is tried again on another. */
const START_ATTEMPTS = 3;

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, options.port ?? (await freePort()));
    } catch (err) {
      // A port race between parallel starters (ours or the CLI's internal ones) kills the server at
      // once; another free port fixes that. A port the caller chose is not ours to change.
      if (!(err instanceof ExitedWhileStarting) || options.port || attempt === START_ATTEMPTS) throw err;
      console.warn(`${err.message}; starting again on another port`);
    }
  }
}

async function startOnce(options: DevServerOptions, port: number): Promise<DevServer> {
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
  const inherit = options.logStream === 'inherit';
  // Discarded output still keeps its first 8 KB, so a server that dies while starting says why.
  const child = spawn(process.execPath, [guard, String(process.pid), requireTemporalCli(), ...args], {
    stdio: ['ignore', inherit ? 'inherit' : 'ignore', inherit ? 'inherit' : 'pipe'],
  });
  let stderrHead = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    if (stderrHead.length < 8_000) stderrHead += chunk;
  });
  // 'close' rather than 'exit': the server's last words are read by then.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const address = `127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    await waitUntilServing(address, namespace, options.readyTimeoutMs ?? 60_000, child);
  } catch (err) {
    await stop();
    if (err instanceof ExitedWhileStarting) err.message += reasonIn(stderrHead);
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

/** The lines of a dying server's output that say why (a Go panic's stack would bury them). */
function reasonIn(output: string): string {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const telling = lines.filter((line) => /panic|fatal|error/i.test(line));
  const reason = (telling.length ? telling : lines).slice(0, 3).join(' | ');
  return reason ? `: ${reason}` : '';
}

async function waitUntilServing(address: string, namespace: string, timeoutMs: number, child: ChildProcess) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new ExitedWhileStarting(
        `Temporal dev server on ${address} exited with code ${child.exitCode} while starting`,
      );
    }
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
