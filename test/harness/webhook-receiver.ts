/** A local webhook receiver for tests: records every delivery attempt; can answer 500 to first attempts. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookBody } from '../../webhooks/payload';

export interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  body: WebhookBody;
  /** What the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  url: string;
  deliveries: Delivery[];
  /** Answer 500 to the first attempt of each notification id. */
  failFirstAttempts: boolean;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const seen = new Set<string>();
  const receiver: WebhookReceiver = {
    url: '',
    deliveries: [],
    failFirstAttempts: false,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = createServer((req, res) => {
    let rawBody = '';
    req.on('data', (chunk: Buffer) => (rawBody += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(rawBody) as WebhookBody;
      const status = receiver.failFirstAttempts && !seen.has(body.id) ? 500 : 200;
      seen.add(body.id);
      receiver.deliveries.push({ headers: req.headers, rawBody, body, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}
