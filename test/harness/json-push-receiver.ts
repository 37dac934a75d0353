/**
 * A stand-in for token-central's push endpoint for the JSON-envelope platforms (Douyin, Baidu), for
 * the sandbox's own tests: it records the bodies it receives and answers from a script.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the central server's push endpoint for the JSON-envelope platforms (Douyin, Baidu):
 * records bodies, answers from a script, then `success`.
 */
export class JsonPushReceiver {
  readonly bodies: string[] = [];
  /** Answers for the next requests, in order; once used up every request gets `success`. */
  readonly script: { status: number; body: string }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.bodies.push(Buffer.concat(chunks).toString('utf8'));
        const answer = this.script.shift() ?? { status: 200, body: 'success' };
        res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/push`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
