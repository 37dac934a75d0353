/**
 * The operator CLI (cli/, cli/token-central.cjs) run as a subprocess against the real stack, both
 * ways: straight to Temporal (TEMPORAL_* settings and the codec keys) and through a gateway with an
 * API key. Each command does what it says (the stack confirms it), `--json` prints the HTTP API's
 * shapes, and failures exit with their documented codes: 1 usage, 2 not found, 3 unavailable,
 * 4 refused, with the message on stderr.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ApiKeyConfig } from '../../config/config';
import { buildGateway } from '../../gateway/app';
import { generateApiKey } from '../../gateway/plugins/auth';
import { runCli } from '../harness/cli-process';
import { eventually } from '../harness/eventually';
import { rawHistory } from '../harness/raw-history';
import type { Stack } from '../harness/stack';
import { testCodecKey } from '../harness/temporal';
import { acceptedToken, authorizeByEvent, startTpStack, type TpStack } from '../harness/tp-authorizers';
import { appWorkflowId } from '../../workflows/credential-ids';

const admin = generateApiKey();
const reader = generateApiKey();
const apiKeys: ApiKeyConfig[] = [
  { name: 'ops', hash: admin.hash, scopes: ['admin'] },
  { name: 'reader', hash: reader.hash, scopes: ['read'] },
];

let tp: TpStack;
let stack: Stack;
let gateway: FastifyInstance;
let gatewayUrl: string;
/** The direct (Temporal) mode's environment. */
let temporalEnv: Record<string, string>;
beforeAll(async () => {
  tp = await startTpStack();
  stack = tp.stack;
  temporalEnv = {
    TEMPORAL_ADDRESS: stack.dev.server.address,
    TEMPORAL_NAMESPACE: stack.client.options.namespace,
    TASK_QUEUE: stack.taskQueue,
    TOKEN_CENTRAL_CODEC_KEYS: `test=${testCodecKey.toString('base64')}`,
  };
  gateway = buildGateway({ client: stack.client, tokens: stack.tokens, taskQueue: stack.taskQueue, auth: { apiKeys } });
  gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);
afterAll(async () => {
  await gateway?.close();
  await tp?.teardown();
});

const direct = (args: string[], input?: string) => runCli(args, temporalEnv, input);
const viaGateway = (args: string[], key = admin.key, input?: string) =>
  runCli(['--gateway', gatewayUrl, ...args], { TOKEN_CENTRAL_API_KEY: key }, input);

async function sandboxApp(secretEnv: string) {
  const app = await stack.sandbox.control.createWechatApp();
  stack.secrets[secretEnv] = app.secret;
  return app.appid;
}

describe.each([
  ['Temporal', direct],
  ['gateway', (args: string[], input?: string) => viaGateway(args, admin.key, input)],
] as const)('through %s', (_mode, cli) => {
  it('registers an app, prints, invalidates and describes its token, and lists it', async () => {
    const appid = await sandboxApp(`WX_CLI_${_mode.toUpperCase()}_SECRET`);
    const id = appWorkflowId('wechat', appid);
    const registered = await cli([
      'register',
      appid,
      '--secret-env',
      `WX_CLI_${_mode.toUpperCase()}_SECRET`,
      '--mode',
      'basic',
    ]);
    expect(registered).toMatchObject({ code: 0, stdout: `${id}\n` });

    const printed = await eventually(async () => {
      const run = await cli(['token', id]);
      return run.code === 0 ? run.stdout.trim() : undefined;
    });
    expect((await stack.tokens.getToken({ kind: 'app', platform: 'wechat', appid })).accessToken).toBe(printed);

    const fresh = await cli(['--json', 'invalidate', id, '-'], printed);
    expect(fresh.code).toBe(0);
    expect(fresh.json()).toMatchObject({ version: 2, expires_in: expect.any(Number), expires_at: expect.any(String) });
    expect(fresh.json().access_token).not.toBe(printed);

    const described = await cli(['--json', 'describe', id]);
    expect(described.code).toBe(0);
    expect(described.json()).toMatchObject({ id, version: 2, passive_refreshes: 1, status: 'active' });
    const human = await cli(['describe', id]);
    expect(human.stdout).toMatch(/^passive_refreshes: 1$/m);

    const listed = await eventually(async () => {
      const run = await cli(['--json', 'list', '--status', 'active', '--platform', 'wechat']);
      return run.code === 0 && run.json().apps.some((app: { id: string }) => app.id === id) ? run : undefined;
    });
    expect(listed.json().apps.find((app: { id: string }) => app.id === id)).toMatchObject({ kind: 'app', appid });
    const table = await cli(['list', '--status', 'active']);
    expect(table.stdout).toMatch(new RegExp(`^${id.replace(/\//g, '\\/')}\\s+active\\s+\\d{4}-`, 'm'));
    const onePage = await cli(['--json', 'list', '--page-size', '1']);
    expect(onePage.json().apps).toHaveLength(1);
    expect(onePage.json().next_page_token).toEqual(expect.any(String));
  });

  it('exits 2 for an unknown credential and 1 for a malformed id, with the reason on stderr', async () => {
    const unknown = await cli(['token', 'app/wechat/wxnosuchapp0000001']);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain('wxnosuchapp0000001');
    const unknownJson = await cli(['--json', 'describe', 'app/wechat/wxnosuchapp0000001']);
    expect(unknownJson.code).toBe(2);
    expect(JSON.parse(unknownJson.stderr)).toMatchObject({ error: { code: 'not_found' } });
    const malformed = await cli(['describe', 'app/wechat']);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('not a credential id');
  });
});

it('revokes an authorizer straight through Temporal (2 when nothing is left to revoke; 1 through a gateway)', async () => {
  const c = tp.tp.baidu;
  const authorizerAppid = await authorizeByEvent(stack, 'baidu', c, 1);
  await acceptedToken(stack.client, stack.sandbox.url, 'baidu', c.componentAppid, authorizerAppid);
  const id = `authorizer/baidu/${c.componentAppid}/${authorizerAppid}`;

  expect(await viaGateway(['revoke', id])).toMatchObject({ code: 1 });
  expect(await direct(['revoke', id])).toMatchObject({ code: 0, stdout: `revoked ${id}\n` });
  const listed = await eventually(async () => {
    const run = await direct(['--json', 'list', '--component', c.componentAppid]);
    const entry = run.json().apps.find((app: { id: string }) => app.id === id);
    return entry?.status === 'revoked' ? entry : undefined;
  });
  expect(listed).toMatchObject({ kind: 'authorizer', component_appid: c.componentAppid });
  expect(await direct(['revoke', id])).toMatchObject({ code: 2 });
});

it('refuses through the gateway without the right key (exit 4)', async () => {
  const readOnly = await viaGateway(['describe', 'app/wechat/wxnosuchapp0000001'], reader.key);
  expect(readOnly.code).toBe(4);
  expect(readOnly.stderr).toContain('scope');
  expect((await viaGateway(['list'], 'tc_not-a-key')).code).toBe(4);
  expect(JSON.stringify([readOnly.stderr])).not.toContain(reader.key);
});

it('exits 3 when Temporal or the gateway cannot be reached', async () => {
  const noTemporal = await runCli(['token', 'app/wechat/wx1234567890'], {
    ...temporalEnv,
    TEMPORAL_ADDRESS: '127.0.0.1:1',
  });
  expect(noTemporal.code).toBe(3);
  expect(noTemporal.stderr).toContain('cannot connect');
  const noGateway = await runCli(['--gateway', 'http://127.0.0.1:1', 'token', 'app/wechat/wx1234567890']);
  expect(noGateway.code).toBe(3);
});

it('decodes a payload from history with the codec keys, and makes API keys', async () => {
  const appid = await sandboxApp('WX_CLI_DECODE_SECRET');
  await direct(['register', appid, '--secret-env', 'WX_CLI_DECODE_SECRET']);
  const history = await rawHistory(stack.client, appWorkflowId('wechat', appid));
  const payload = history.events[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
  const json = {
    payloads: [
      {
        metadata: Object.fromEntries(
          Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
        ),
        data: Buffer.from(payload.data ?? []).toString('base64'),
      },
    ],
  };
  expect(Buffer.from(payload.data ?? []).toString('utf8')).not.toContain(appid); // encrypted in history
  const decoded = await direct(['--json', 'decode', '-'], JSON.stringify(json));
  expect(decoded.code).toBe(0);
  expect(decoded.json()).toMatchObject({ appid, platform: 'wechat' });
  const wrongKey = await runCli(['decode', JSON.stringify(json)], {
    TOKEN_CENTRAL_CODEC_KEYS: `test=${Buffer.alloc(32, 7).toString('base64')}`,
  });
  expect(wrongKey.code).not.toBe(0);
  expect(wrongKey.stdout).not.toContain(appid);
  expect((await runCli(['decode', 'not json'], temporalEnv)).code).toBe(1);

  const made = await runCli(['--json', 'apikey', '--name', 'billing', '--scopes', 'read,invalidate']);
  expect(made.code).toBe(0);
  const { key, entry } = made.json();
  expect(entry).toEqual({
    name: 'billing',
    scopes: ['read', 'invalidate'],
    hash: `sha256:${createHash('sha256').update(key).digest('hex')}`,
  });
  expect((await runCli(['apikey', '--name', 'billing', '--scopes', 'everything'])).code).toBe(1);
  expect((await runCli(['apikey', '--help'])).code).toBe(0);
});
