/**
 * The registration API (POST /v1/apps) refuses secret references the policy does not allow
 * (config/secrets.ts) with a clear 400, and starts nothing: token-central's own variables, names
 * outside the pattern, files outside the secrets directory. Allowed references register.
 */
import type { Client } from '@temporalio/client';
import { buildGateway } from '../../../gateway/app';
import { gatewayRequest, recordingTokenClient } from '../../harness/stub-gateway';

const started: string[] = [];
const client = {
  workflow: {
    signalWithStart: async (_workflow: unknown, options: { workflowId: string }) => {
      started.push(options.workflowId);
    },
  },
} as unknown as Client;

let origin: string;
let close: () => Promise<void>;
beforeAll(async () => {
  const gateway = buildGateway({ client, tokens: recordingTokenClient([]), taskQueue: 'unused' });
  origin = await gateway.listen({ host: '127.0.0.1', port: 0 });
  close = () => gateway.close();
});
afterAll(() => close?.());
beforeEach(() => started.splice(0));

const register = (secret: unknown) =>
  gatewayRequest(origin, 'POST', '/v1/apps', {}, { platform: 'wechat', appid: 'wx0123456789abcdef', secret });

it.each([
  [{ env: 'TOKEN_CENTRAL_CODEC_KEYS' }, /secret: env TOKEN_CENTRAL_CODEC_KEYS is one of token-central's own variables/],
  [{ env: 'TEMPORAL_API_KEY' }, /token-central's own variables/],
  [{ env: 'CODEC_SERVER_TOKEN' }, /token-central's own variables/],
  [{ env: 'AWS_PROFILE' }, /does not match the allowed secret names/],
  [{ file: '/etc/passwd' }, /secrets directory|must lie under/],
  [{ file: '../../.data/codec-keys.json' }, /secrets directory|must not contain/],
])('refuses %j with a 400 and starts nothing', async (secret, message) => {
  const reply = await register(secret);
  expect(reply.statusCode).toBe(400);
  expect(reply.json().error.code).toBe('bad_request');
  expect(reply.json().error.message).toMatch(message);
  expect(started).toEqual([]);
});

it('registers an allowed reference', async () => {
  const reply = await register({ env: 'WX_MAIN_SECRET' });
  expect(reply.statusCode).toBe(201);
  expect(started).toEqual(['app/wechat/wx0123456789abcdef']);
});
