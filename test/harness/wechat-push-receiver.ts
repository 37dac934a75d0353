/**
 * A stand-in for token-central's WeChat push endpoint, for the sandbox's own tests: it records each
 * push, decrypted by its own code, and answers from a list of replies.
 */
import { createDecipheriv, createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPush {
  query: Record<string, string>;
  /** Decrypted XML fields. */
  fields: Record<string, string>;
  signatureOk: boolean;
  trailer: string;
}

/**
 * A 授权事件接收 URL for tests. It decrypts pushes with its own straight-from-the-spec code
 * (docs/platforms.md §2.3), not with the production module the sandbox uses, so a shared bug cannot hide.
 */
export class WechatPushReceiver {
  readonly received: ReceivedPush[] = [];
  /** Replies to give, in order; once exhausted, `success`. */
  replies: string[] = [];
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly token: () => string,
    private readonly encodingAESKey: () => string,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
        this.received.push(this.open(query, body));
        res.end(this.replies.shift() ?? 'success');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/wechat/auth-events`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  ofType(infoType: string): ReceivedPush[] {
    return this.received.filter((p) => p.fields.InfoType === infoType);
  }

  private open(query: Record<string, string>, body: string): ReceivedPush {
    const encrypt = /<Encrypt><!\[CDATA\[(.*?)\]\]><\/Encrypt>/s.exec(body)?.[1] ?? '';
    const expected = createHash('sha1')
      .update([this.token(), query.timestamp, query.nonce, encrypt].sort().join(''))
      .digest('hex');
    const key = Buffer.from(`${this.encodingAESKey()}=`, 'base64');
    const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
    decipher.setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);
    const unpadded = plain.subarray(0, plain.length - plain[plain.length - 1]);
    const length = unpadded.readUInt32BE(16);
    const xml = unpadded.subarray(20, 20 + length).toString('utf8');
    const trailer = unpadded.subarray(20 + length).toString('utf8');
    const fields: Record<string, string> = {};
    for (const match of xml.matchAll(/<(\w+)>(?:<!\[CDATA\[(.*?)\]\]>|([^<]*))<\/\1>/g)) {
      fields[match[1]] = match[2] ?? match[3];
    }
    return { query, fields, signatureOk: expected === query.msg_signature, trailer };
  }
}
