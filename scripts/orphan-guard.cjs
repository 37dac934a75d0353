#!/usr/bin/env node
// Runs a child command and kills it when the parent process dies, even by SIGKILL, so a Temporal
// server started by `npm start` or by jest never outlives them. Usage: orphan-guard.cjs PPID CMD ARGS...
'use strict';
const { spawn } = require('node:child_process');

const [parentPid, command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: 'inherit' });
let stopping = false;

function stop(signal) {
  if (stopping) return;
  stopping = true;
  child.kill(signal);
  setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop('SIGTERM'));

const watch = setInterval(() => {
  try {
    process.kill(Number(parentPid), 0);
  } catch {
    stop('SIGTERM');
  }
}, 500);

child.on('exit', (code, signal) => {
  clearInterval(watch);
  process.exit(code ?? (signal ? 1 : 0));
});
child.on('error', (err) => {
  process.stderr.write(`orphan-guard: cannot start ${command}: ${err.message}\n`);
  process.exit(127);
});
