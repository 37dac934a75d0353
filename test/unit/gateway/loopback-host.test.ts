/**
 * DNS rebinding defence (gateway/plugins/loopback-host.ts): the gateway without API keys answers
 * only requests whose Host is a loopback name with its own port; a gateway with API keys does not
 * check Host (it may sit behind a proxy under any name, and every route needs a key anyway).
 */
import { generateApiKey } from '../../../gateway/plugins/auth';
import { gatewayRequest, recordingTokenClient, startStubGateway, type StubGateway } from '../../harness/stub-gateway';

describe('gateway without API keys', () => {
  const served: string[] = [];
  let gateway: StubGateway;
  let port: number;
  beforeAll(async () => {
    gateway = await startStubGateway(recordingTokenClient(served));
    port = Number(new URL(gateway.url).port);
  });
  afterAll(() => gateway?.close());
  beforeEach(() => served.splice(0));

  const read = (host: string) => gatewayRequest(gateway.url, 'GET', '/v1/tokens/app/wechat/wxallowed01', { host });

  it('serves loopback names with its port', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      expect((await read(host)).statusCode).toBe(200);
    }
    expect(served).toHaveLength(3);
  });

  it('refuses a rebound name, or a loopback name with another port, and serves nothing', async () => {
    for (const host of [`attacker.example:${port}`, `localhost.attacker.example:${port}`, `127.0.0.1:${port + 1}`]) {
      const reply = await read(host);
      expect(reply.statusCode).toBe(403);
      expect(reply.json().error.code).toBe('forbidden_host');
    }
    const health = await gatewayRequest(gateway.url, 'GET', '/healthz', { host: 'attacker.example' });
    expect(health.statusCode).toBe(403);
    expect(served).toEqual([]);
  });
});

it('a gateway with API keys does not check Host', async () => {
  const reader = generateApiKey();
  const served: string[] = [];
  const gateway = await startStubGateway(recordingTokenClient(served), {
    apiKeys: [{ name: 'reader', hash: reader.hash, scopes: ['read'] }],
  });
  try {
    const reply = await gatewayRequest(gateway.url, 'GET', '/v1/tokens/app/wechat/wxallowed01', {
      host: 'tokens.internal.example',
      authorization: `Bearer ${reader.key}`,
    });
    expect(reply.statusCode).toBe(200);
    expect(served).toEqual(['get wxallowed01']);
  } finally {
    await gateway.close();
  }
});
