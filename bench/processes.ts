/**
 * Child processes of the benchmarks: the load generator, a standalone sandbox, a bare Fastify
 * route and token-central itself, each in its own OS process so a measurement never shares a
 * process with its load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createKeyRing } from '../codec/codec';
import { createDataConverter } from '../codec/data-converter';
import type { Role } from '../config/config';
import { SandboxControl } from '../sandbox/control-client';
import { freePort, startDevServer } from '../scripts/dev-server';
import { cpuSecondsOf, firstChildPid, startService, type ServiceProcess } from '../test/harness/service-process';
import { prebuiltWorkflowBundle } from '../worker/workflow-bundle';
import type { LoadOptions, LoadResult } from './load-generator';

const root = path.resolve(__dirname, '..');
const guard = path.join(root, 'scripts/orphan-guard.cjs');

function tsProcess(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, [guard, String(process.pid), process.execPath, '--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function firstLine(child: ChildProcess, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const newline = buffered.indexOf('\n');
      if (newline >= 0) resolve(buffered.slice(0, newline));
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code} before answering`)));
  });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tc-load-'));
  try {
    const file = path.join(dir, 'options.json');
    writeFileSync(file, JSON.stringify(options));
    const child = tsProcess(path.join(root, 'bench/load-generator.ts'), [file]);
    return JSON.parse(await firstLine(child, 'load generator')) as LoadResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Background {
  url: string;
  /** CPU seconds the process has used so far. */
  cpuSeconds(): number;
  stop(): void;
}

function cpuOfGuarded(child: ChildProcess): () => number {
  const pid = firstChildPid(child.pid!);
  return () => (pid ? cpuSecondsOf(pid) : 0);
}

export async function startStandaloneSandbox(timeScale: number): Promise<Background> {
  const port = await freePort();
  const child = tsProcess(path.join(root, 'sandbox/main.ts'), [
    '--port',
    String(port),
    '--scale',
    String(timeScale),
    '--seed',
    '1',
  ]);
  await firstLine(child, 'sandbox');
  return { url: `http://127.0.0.1:${port}`, cpuSeconds: cpuOfGuarded(child), stop: () => child.kill('SIGTERM') };
}

/** A bare Fastify route answering a constant token body: the ceiling any gateway route can reach. */
export async function startBareRoute(): Promise<Background> {
  const port = await freePort();
  const child = tsProcess(path.join(root, 'bench/bare-route.ts'), [String(port)]);
  await firstLine(child, 'bare route');
  return { url: `http://127.0.0.1:${port}`, cpuSeconds: cpuOfGuarded(child), stop: () => child.kill('SIGTERM') };
}

/**
 * What both fleet benchmarks stand on: a Temporal dev server, a standalone sandbox, a codec key,
 * and token-central processes started as `npm start -- --role …` with the given configuration.
 */
export interface BenchFleet {
  sandbox: Background;
  control: SandboxControl;
  /** A client that reads what the services write (same codec key). */
  client: Client;
  /** CPU seconds the Temporal dev server has used so far. */
  temporalCpuSeconds(): number;
  start(role: Role, config: object, env?: Record<string, string>): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

export async function startBenchFleet(timeScale: number): Promise<BenchFleet> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dir = mkdtempSync(path.join(tmpdir(), 'tc-bench-'));
  const server = await startDevServer({ dbFile: path.join(dir, 'temporal.db') });
  const sandbox = await startStandaloneSandbox(timeScale);
  const codecKey = randomBytes(32);
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({
    connection,
    dataConverter: createDataConverter(createKeyRing('bench', [['bench', codecKey]])),
  });
  const dataDir = path.join(dir, 'data');
  // As a deployment ships it: the workflow bundle is built before any worker starts.
  await prebuiltWorkflowBundle(dataDir);
  const services: ServiceProcess[] = [];
  let configs = 0;
  return {
    sandbox,
    control: new SandboxControl(sandbox.url),
    client,
    temporalCpuSeconds: cpuOfGuarded(server.process),
    async start(role, config, env = {}) {
      const configFile = path.join(dir, `config-${configs++}.json`);
      writeFileSync(configFile, JSON.stringify(config));
      const service = await startService({
        role,
        env: {
          TEMPORAL_ADDRESS: server.address,
          TOKEN_CENTRAL_CONFIG: configFile,
          TOKEN_CENTRAL_DATA_DIR: dataDir,
          TOKEN_CENTRAL_CODEC_KEYS: `bench=${codecKey.toString('base64')}`,
          WECHAT_BASE_URL: sandbox.url,
          CODEC_SERVER_PORT: String(await freePort()),
          LOG_LEVEL: 'warn',
          ...env,
        },
      });
      services.push(service);
      return service;
    },
    async stop() {
      await Promise.all(services.map((service) => service.kill('SIGTERM')));
      await connection.close();
      sandbox.stop();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
