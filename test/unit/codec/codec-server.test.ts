/**
 * The codec server the Temporal Web UI calls to show encrypted payloads (codec/codec-server.ts):
 * encodes and decodes for an authorised caller only, answers CORS for the UI's origin and no other,
 * names only the key id of a payload it cannot decrypt, limits body size, and without a bearer token
 * serves loopback only, to loopback Host names with its port (DNS rebinding), and chosen namespaces
 * when told to. Against a real cluster `npm start` runs it only when enabled and with a bearer token.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { request } from 'undici';
import { shouldRunCodecServer, startCodecServer } from '../../../codec/codec-server';
import { createKeyRing } from '../../../codec/codec';

const ring = createKeyRing('k1', [['k1', randomBytes(32)]]);
const token = `bearer-${randomUUID()}`;
const UI = 'http://localhost:8233';
const secret = `access-token-${randomUUID()}`;

interface JsonPayloads {
  payloads: Array<{ metadata: Record<string, string>; data: string }>;
}

const toJson = (value: unknown) => {
  const payload = defaultPayloadConverter.toPayload(value);
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(payload.data!).toString('base64'),
  };
};
const fromJson = ({ metadata, data }: { metadata: Record<string, string>; data: string }) =>
  defaultPayloadConverter.fromPayload({
    metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(data, 'base64'),
  });

describe('codec server', () => {
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    server = await startCodecServer({ ring, bearerToken: token, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });

  const post = (operation: string, body: unknown, headers: Record<string, string> = {}) =>
    request(`${server.url}/${operation}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', origin: UI, ...headers },
      body: JSON.stringify(body),
    });

  it('listens on loopback and answers an endpoint URL for --ui-codec-endpoint', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/codec$/);
  });

  it('encodes and decodes for an authorised caller', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const encoded = await post('encode', { payloads: [toJson({ token: secret }), toJson(42)] }, auth);
    expect(encoded.statusCode).toBe(200);
    expect(encoded.headers['access-control-allow-origin']).toBe(UI);
    const encrypted = (await encoded.body.json()) as JsonPayloads;
    expect(encrypted.payloads).toHaveLength(2);
    expect(Buffer.from(encrypted.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encrypted.payloads[0]!.data, 'base64').includes(secret)).toBe(false);

    const decoded = await post('decode', encrypted, auth);
    expect(decoded.statusCode).toBe(200);
    const plain = (await decoded.body.json()) as JsonPayloads;
    expect(plain.payloads.map(fromJson)).toEqual([{ token: secret }, 42]);
  });

  it.each([
    ['no token', {}],
    ['a wrong token', { authorization: `Bearer ${token}x` }],
    ['a token of another length', { authorization: 'Bearer x' }],
    ['another scheme', { authorization: `Basic ${token}` }],
  ])('answers 401 to %s', async (_, headers) => {
    const response = await post('decode', { payloads: [] }, headers);
    expect(response.statusCode).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBe(UI);
    expect(await response.body.json()).toEqual({ error: 'unauthorized' });
  });

  it('answers a CORS preflight from the UI origin', async () => {
    const response = await request(`${server.url}/decode`, {
      method: 'OPTIONS',
      headers: {
        origin: UI,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-namespace,authorization',
      },
    });
    await response.body.dump();
    expect(response.statusCode).toBeLessThan(300);
    expect(response.headers['access-control-allow-origin']).toBe(UI);
    const allowed = String(response.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['content-type', 'x-namespace', 'authorization']));
    expect(String(response.headers['access-control-allow-methods'])).toContain('POST');
  });

  it('gives no CORS grant to another origin', async () => {
    const response = await post(
      'decode',
      { payloads: [] },
      { authorization: `Bearer ${token}`, origin: 'http://evil.test' },
    );
    await response.body.dump();
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('rejects a malformed body, and an undecryptable payload naming only its key id', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const malformed = await post('decode', { nope: true }, auth);
    expect(malformed.statusCode).toBe(400);
    await malformed.body.dump();
    const foreign = {
      metadata: {
        encoding: Buffer.from('binary/encrypted').toString('base64'),
        'encryption-key-id': Buffer.from('gone').toString('base64'),
      },
      data: randomBytes(40).toString('base64'),
    };
    const response = await post('decode', { payloads: [foreign] }, auth);
    expect(response.statusCode).toBe(400);
    expect(((await response.body.json()) as { error: string }).error).toMatch(/unknown encryption key id "gone"/);
  });

  it('refuses a body over the size limit', async () => {
    const big = { payloads: [{ metadata: {}, data: 'A'.repeat(3 * 1024 * 1024) }] };
    const response = await post('encode', big, { authorization: `Bearer ${token}` });
    await response.body.dump();
    expect(response.statusCode).toBe(413);
  });
});

describe('codec server without a bearer token', () => {
  it('serves loopback callers', async () => {
    const server = await startCodecServer({ ring, port: 0 });
    try {
      const response = await request(`${server.url}/encode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payloads: [toJson('x')] }),
      });
      expect(response.statusCode).toBe(200);
      await response.body.dump();
    } finally {
      await server.close();
    }
  });

  it('refuses to start on a non-loopback host', async () => {
    await expect(startCodecServer({ ring, host: '0.0.0.0', port: 0 })).rejects.toThrow(
      /Refusing to serve the codec server on 0\.0\.0\.0 without a bearer token/,
    );
  });

  it('only serves the configured namespaces when told to', async () => {
    const server = await startCodecServer({ ring, port: 0, namespaces: ['tokens'] });
    try {
      const call = async (namespace: string) => {
        const response = await request(`${server.url}/encode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-namespace': namespace },
          body: JSON.stringify({ payloads: [] }),
        });
        await response.body.dump();
        return response.statusCode;
      };
      expect(await call('tokens')).toBe(200);
      expect(await call('other')).toBe(403);
    } finally {
      await server.close();
    }
  });
});

describe('codec server without a bearer token, reached through another Host name (DNS rebinding)', () => {
  let server: { url: string; close(): Promise<void> };
  let port: number;
  beforeAll(async () => {
    server = await startCodecServer({ ring, port: 0 });
    port = Number(new URL(server.url).port);
  });
  afterAll(async () => {
    await server?.close();
  });

  const call = async (host: string, method = 'POST') => {
    const response = await request(`${server.url}/encode`, {
      method,
      headers: {
        host,
        'content-type': 'application/json',
        origin: UI,
        ...(method === 'OPTIONS' ? { 'access-control-request-method': 'POST' } : {}),
      },
      ...(method === 'POST' ? { body: JSON.stringify({ payloads: [toJson('x')] }) } : {}),
    });
    await response.body.dump();
    return response;
  };

  it('answers loopback names with its own port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect((await call(host)).statusCode).toBe(200);
    }
  });

  it('refuses any other name, or a loopback name with another port, before CORS answers', async () => {
    for (const host of [
      `evil.example:${port}`,
      `127.0.0.1.evil.example:${port}`,
      `localhost:${port + 1}`,
      'localhost',
    ]) {
      expect((await call(host)).statusCode).toBe(403);
    }
    const preflight = await call(`evil.example:${port}`, 'OPTIONS');
    expect(preflight.statusCode).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('shouldRunCodecServer (npm start)', () => {
  it('runs with the embedded server unless disabled', () => {
    expect(shouldRunCodecServer({ embedded: true })).toBe(true);
    expect(shouldRunCodecServer({ embedded: true, enabled: false })).toBe(false);
  });

  it('against a cluster runs only when enabled, and then only with a bearer token', () => {
    expect(shouldRunCodecServer({ embedded: false })).toBe(false);
    expect(shouldRunCodecServer({ embedded: false, bearerToken: token })).toBe(false);
    expect(() => shouldRunCodecServer({ embedded: false, enabled: true })).toThrow(/needs CODEC_SERVER_TOKEN/);
    expect(shouldRunCodecServer({ embedded: false, enabled: true, bearerToken: token })).toBe(true);
  });
});
