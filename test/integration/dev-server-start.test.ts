/**
 * The embedded Temporal dev server's start: a server that dies while starting says why, and only a
 * port token-central chose itself is ever exchanged for another.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { freePort, startDevServer } from '../../scripts/dev-server';

let occupied: Server;
let occupiedPort: number;

beforeAll(async () => {
  occupiedPort = await freePort();
  occupied = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => occupied.listen(occupiedPort, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => occupied.close(() => resolve())));

test('a port the caller chose that is taken: one attempt, and the error gives the reason', async () => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    await expect(startDevServer({ port: occupiedPort })).rejects.toThrow(
      new RegExp(`exited with code \\d+ while starting: .*${occupiedPort}.*address already in use`),
    );
    expect(warn).not.toHaveBeenCalled();
  } finally {
    warn.mockRestore();
  }
});

test('a server on a port of our choosing that dies while starting is started again on another, three times in all', async () => {
  const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
  try {
    // Every attempt dies (no such directory for the database), so every retry is seen.
    await expect(startDevServer({ dbFile: '/nonexistent/token-central/temporal.db' })).rejects.toThrow(
      /while starting/,
    );
    expect(warn).toHaveBeenCalledTimes(2);
    const ports = warn.mock.calls.map(([message]) => /127\.0\.0\.1:(\d+)/.exec(String(message))?.[1]);
    expect(new Set(ports).size).toBe(2);
  } finally {
    warn.mockRestore();
  }
});

/** Local ports of sockets in TIME_WAIT (Linux: state 06 in /proc/net/tcp), which bind(0) and connect() pass over. */
function portsInTimeWait(): Set<number> {
  const rows = readFileSync('/proc/net/tcp', 'utf8').trim().split('\n').slice(1);
  return new Set(
    rows
      .map((row) => row.trim().split(/\s+/))
      .filter((columns) => columns[3] === '06')
      .map((columns) => parseInt(columns[1].split(':')[1], 16)),
  );
}

test('a port of our choosing is held in TIME_WAIT against other takers, yet bindable at once', async () => {
  const port = await freePort();
  expect(portsInTimeWait()).toContain(port);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
