/**
 * The operator CLI (cli/token-central.cjs) as a subprocess, exactly as an operator runs it: its
 * exit code, stdout and stderr. Asynchronous, so the stack's worker in the test process keeps running.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'cli/token-central.cjs');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as JSON (for `--json` runs). */
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read arbitrary JSON
}

/** Runs `token-central <args>` with only PATH/HOME and `env` set (nothing leaks from the test process). */
export function runCli(args: readonly string[], env: Record<string, string> = {}, input?: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) }));
    child.stdin.end(input ?? '');
  });
}
