/**
 * GatewayClient (client/gateway-client.ts), the TypeScript client of the HTTP gateway: it sends its
 * API key, returns tokens as TokenClient does, and surfaces every refusal as a GatewayError carrying
 * the status and the error code; on authorizer routes a key limited to some apps is checked against
 * the authorizer appid. Against the gateway with a stub TokenClient.
 */
import { GatewayClient, GatewayError } from '../../../client/gateway-client';
import type { ApiKeyConfig } from '../../../config/config';
import { generateApiKey } from '../../../gateway/plugins/auth';
import { recordingTokenClient, startStubGateway, type StubGateway } from '../../harness/stub-gateway';

const invalidator = generateApiKey();
const apiKeys: ApiKeyConfig[] = [
  {
    name: 'invalidator',
    hash: invalidator.hash,
    scopes: ['read', 'invalidate'],
    apps: ['wechat:wxallowed01', 'wechat:wxcomponent1/wxallowed01'],
  },
];

let gateway: StubGateway;
let base: string;
beforeAll(async () => {
  gateway = await startStubGateway(recordingTokenClient([]), { apiKeys });
  base = gateway.url;
});
afterAll(() => gateway.close());

describe('GatewayClient', () => {
  it('passes its API key and surfaces refusals as GatewayError', async () => {
    const ref = { kind: 'app', platform: 'wechat', appid: 'wxallowed01' } as const;
    const client = new GatewayClient({ baseUrl: base, apiKey: invalidator.key });
    try {
      expect(await client.getToken(ref)).toMatchObject({ accessToken: 'tok', version: 1 });
      expect(await client.reportInvalid(ref, 'tok')).toMatchObject({ accessToken: 'tok2', version: 2 });
      const outOfScope = await client.getToken({ ...ref, appid: 'wxother001' }).catch((err: unknown) => err);
      expect(outOfScope).toBeInstanceOf(GatewayError);
      expect(outOfScope).toMatchObject({ statusCode: 403, code: 'forbidden' });
    } finally {
      await client.close();
    }
    const anonymous = new GatewayClient({ baseUrl: base });
    await expect(anonymous.getToken(ref)).rejects.toMatchObject({ statusCode: 401, code: 'unauthorized' });
    await anonymous.close();
  });

  it('limits keys by component and authorizer appid on authorizer routes', async () => {
    const client = new GatewayClient({ baseUrl: base, apiKey: invalidator.key });
    const authorizer = { kind: 'authorizer', platform: 'wechat', componentAppid: 'wxcomponent1' } as const;
    try {
      await expect(client.getToken({ ...authorizer, appid: 'wxallowed01' })).resolves.toMatchObject({ version: 1 });
      await expect(client.getToken({ ...authorizer, appid: 'wxother001' })).rejects.toMatchObject({ statusCode: 403 });
      // The same authorizer appid under another component is another credential.
      await expect(
        client.getToken({ ...authorizer, componentAppid: 'wxcomponent2', appid: 'wxallowed01' }),
      ).rejects.toMatchObject({ statusCode: 403 });
    } finally {
      await client.close();
    }
  });
});
