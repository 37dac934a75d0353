/**
 * token-central as its own OS process, exactly as `npm start -- --role …` runs it, for the
 * scale-out test and the benchmarks: several workers and gateways against one Temporal server,
 * killed with SIGKILL mid-run like a crashed host. The process runs under scripts/orphan-guard.cjs,
 * so none outlives its parent; `kill('SIGKILL')` hits the service itself, not the guard.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Role } from '../../config/config';

const root = path.resolve(__dirname, '../..');
const READY = 'Press Ctrl-C to stop.';

export interface ServiceProcess {
  role: Role;
  /** The service's own pid (the guard's child). */
  pid: number;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Resident set size in bytes, from /proc. */
  rssBytes(): number;
  /** CPU seconds used so far. */
  cpuSeconds(): number;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface ServiceOptions {
  role: Role;
  /** Environment on top of this process's: TEMPORAL_ADDRESS, TOKEN_CENTRAL_CONFIG, GATEWAY_PORT, … */
  env: Record<string, string>;
  readyTimeoutMs?: number;
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) * 1024 : 0;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The first child of a process (the real server behind scripts/orphan-guard.cjs). */
export function firstChildPid(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return children ? Number(children.split(/\s+/)[0]) : undefined;
  } catch {
    return undefined;
  }
}

export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const guard = spawn(
    process.execPath,
    [
      path.join(root, 'scripts/orphan-guard.cjs'),
      String(process.pid),
      process.execPath,
      '--import',
      'tsx',
      path.join(root, 'scripts/start.ts'),
      '--role',
      options.role,
    ],
    // Several workers run on this one machine: each takes a free port for its /metrics unless told one.
    { cwd: root, env: { ...process.env, METRICS_WORKER_PORT: '0', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  guard.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  guard.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => guard.once('exit', () => resolve()));

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let pid: number | undefined;
  while (!output.includes(READY) || pid === undefined) {
    if (guard.exitCode !== null) throw new Error(`${options.role} process exited early:\n${output.slice(-2000)}`);
    if (Date.now() > deadline) {
      guard.kill('SIGKILL');
      throw new Error(`${options.role} process not ready in time:\n${output.slice(-2000)}`);
    }
    pid ??= firstChildPid(guard.pid!);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const servicePid = pid;
  return {
    role: options.role,
    pid: servicePid,
    output: () => output,
    rssBytes: () => rssOf(servicePid),
    cpuSeconds: () => cpuSecondsOf(servicePid),
    async kill(signal) {
      if (guard.exitCode !== null) return;
      process.kill(servicePid, signal);
      await exited;
    },
  };
}
