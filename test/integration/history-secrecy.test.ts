/**
 * Invariant 5 end to end. After full lifecycles of every credential kind — own-app tokens in stable
 * and basic mode (scheduled refreshes, continue-as-new, a passive refresh through the gateway, a
 * stable_token force refresh) and a WeChat third-party platform (ticket pushes, component token,
 * authorization by redirect and event, authorizer refreshes) — the raw histories of every workflow,
 * fetched WITHOUT the codec, and the logs the worker and gateways wrote contain none of the tokens,
 * tickets, codes and refresh tokens the sandbox issued, nor the secrets it was given, nor the API
 * key — also after malformed messages carrying those values (refused with a log line that names the
 * problem only) and a callback with a forged state (refused with a log line, code not exchanged).
 * Key rotation across a real history is in codec-key-rotation.test.ts.
 */
import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { generateApiKey } from '../../gateway/plugins/auth';
import { buildGateway } from '../../gateway/app';
import { TokenClient } from '../../client/token-client';
import { WechatComponent } from '../../sandbox/wechat/open-platform/component';
import { TokenRegistry, type TokenRecord } from '../../sandbox/wechat/token-registry';
import { ENCRYPTED_ENCODING } from '../../codec/codec';
import { createLogger, temporalLogger } from '../../config/logging';
import { appWorkflowId, authorizerWorkflowId, componentWorkflowId, type AppRef } from '../../workflows/credential-ids';
import { tokenQuery, TOKEN_VIEW_MEMO_KEY, type TokenView } from '../../workflows/messages';
import { eventually } from '../harness/eventually';
import { encryptedPayloads, rawHistories, type RawHistory } from '../harness/raw-history';
import { startStack, type Stack } from '../harness/stack';
import { captureRuntimeLogs, testDataConverter } from '../harness/temporal';
import { readyWechatComponent } from '../harness/wechat-authorizers';

jest.setTimeout(120_000);

// Every token the in-process sandbox mints, whoever asked for it.
const mint = jest.spyOn(TokenRegistry.prototype, 'mint');
const minted = (): TokenRecord[] =>
  mint.mock.results.flatMap((result) => (result.type === 'return' ? [result.value as TokenRecord] : []));

// Every ticket, pre-auth code, authorization code and refresh token of the Open Platform sandbox.
const spied = (name: string) =>
  jest.spyOn(WechatComponent.prototype as unknown as Record<string, (...args: unknown[]) => unknown>, name);
const openPlatformSpies = {
  tickets: spied('mintTicket'),
  preAuthCodes: spied('createPreAuthCode'),
  authCodes: spied('authorize'),
  refreshTokens: spied('newRefreshToken'),
};
function openPlatformValues(): string[] {
  return Object.values(openPlatformSpies).flatMap((spy) =>
    spy.mock.results.flatMap((result) => {
      if (result.type !== 'return') return [];
      const value = result.value as string | { code: string };
      return [typeof value === 'string' ? value : value.code];
    }),
  );
}

const testCodec = testDataConverter.payloadCodecs![0]!;

const logLines: string[] = [];
const logger = createLogger({ name: 'security-test', level: 'trace', destination: { write: (l) => logLines.push(l) } });
const stopCapture = captureRuntimeLogs(temporalLogger(logger));

let stack: Stack;
let gateway: FastifyInstance;
let gatewayUrl: string;
const apiKey = generateApiKey();

beforeAll(async () => {
  // ×2000: a 7200 s token lives 3.6 s; a small history limit makes the workflows continue-as-new.
  stack = await startStack({
    timeScale: 2000,
    suggestContinueAsNewAt: 40,
    gatewayLogger: logger.child({ name: 'push-gateway' }),
  });
  gateway = buildGateway({
    client: stack.client,
    tokens: new TokenClient(stack.client),
    taskQueue: stack.taskQueue,
    logger: logger.child({ name: 'gateway' }),
    auth: { apiKeys: [{ name: 'svc', hash: apiKey.hash, scopes: ['read', 'invalidate'] }] },
  });
  gatewayUrl = await gateway.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);

afterAll(async () => {
  stopCapture();
  await gateway?.close();
  await stack?.teardown();
  mint.mockRestore();
  for (const spy of Object.values(openPlatformSpies)) spy.mockRestore();
});

function leaks(haystack: { bytes?: Buffer; text: string }, secret: string): boolean {
  return (
    (haystack.bytes?.includes(secret) ?? false) ||
    haystack.text.includes(secret) ||
    haystack.text.includes(Buffer.from(secret).toString('base64').slice(0, 24))
  );
}

async function gatewayCall(method: 'GET' | 'POST', path: string, body?: unknown) {
  const res = await request(`${gatewayUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey.key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.body.json()) as { access_token: string; version: number };
  expect(res.statusCode).toBe(200);
  return json;
}

async function waitForVersion(app: AppRef, atLeast: number) {
  return eventually(
    async () => {
      const view = await stack.tokens.describe(app);
      return view.version >= atLeast && view.status === 'active' ? view : undefined;
    },
    40_000,
    `version ${atLeast} of ${app.appid}`,
  );
}

/** Own apps, stable and basic: scheduled refreshes, continue-as-new, a passive and a force refresh. */
async function ownAppLifecycles() {
  const basic = await stack.addWechatApp('basic');
  const stable = await stack.addWechatApp('stable');
  // Scheduled refreshes (and continue-as-new) several times over.
  await waitForVersion(basic, 4);
  await waitForVersion(stable, 4);

  // Passive refresh through the gateway: the caller reports the current token as rejected.
  const before = await gatewayCall('GET', `/v1/tokens/app/wechat/${basic.appid}`);
  const passive = await gatewayCall('POST', `/v1/tokens/app/wechat/${basic.appid}/invalidate`, {
    access_token: before.access_token,
  });
  expect(passive.access_token).not.toBe(before.access_token);

  // Force refresh: stable mode returns the same token early in its life, so a rejection forces one.
  const stableNow = await stack.tokens.getToken(stable);
  const forced = await stack.tokens.reportInvalid(stable, stableNow.accessToken);
  expect(forced.accessToken).not.toBe(stableNow.accessToken);
  await gatewayCall('GET', `/v1/tokens/app/wechat/${stable.appid}`);

  // One more scheduled cycle after the reports.
  await waitForVersion(basic, passive.version + 1);
  await waitForVersion(stable, forced.version + 1);

  const tokens = minted().map((record) => record.value);
  expect(minted().filter((r) => r.appid === stable.appid && r.kind === 'stable').length).toBeGreaterThanOrEqual(4);
  expect(tokens).toContain(passive.access_token);
  expect(tokens).toContain(forced.accessToken);
  return { basic, stable };
}

/**
 * A third-party platform: ticket pushes, the component token, an authorization delivered by both
 * redirect and event (one code exchange), authorizer token refreshes with the refresh token.
 */
async function openPlatformLifecycles() {
  const wechat = await readyWechatComponent(stack);
  const { component, gatewayUrl: gatewayOpen } = wechat;
  const authorizerAppid = 'wxsecurity000001';
  const handle = wechat.handle(authorizerAppid);
  // Codes are issued at ×100 so that they outlive their hand-over on a loaded machine.
  await stack.sandbox.control.setClock({ timeScale: 100 });
  try {
    await stack.sandbox.control.authorize(component.componentAppid, {
      authorizerAppid,
      funcInfo: [1, 2],
      deliver: 'both',
      redirectUri: `${gatewayOpen}/v1/authorize/wechat/${component.componentAppid}/callback`,
    });
    await eventually(async () => ((await handle.query(tokenQuery)).status === 'active' ? true : undefined));
  } finally {
    await stack.sandbox.control.setClock({ timeScale: 2000 });
  }
  // A passive refresh shortens the ×100 token; then scheduled refreshes with the refresh token.
  const first = await handle.query(tokenQuery);
  const ref = {
    kind: 'authorizer',
    platform: 'wechat',
    componentAppid: component.componentAppid,
    authorizerAppid,
  } as const;
  await stack.tokens.reportInvalid(ref, first.accessToken!);
  await eventually(
    async () => {
      const view = await handle.query(tokenQuery);
      return view.status === 'active' && view.version >= first.version + 3 ? view : undefined;
    },
    40_000,
    'authorizer refreshes',
  );
  await stack.sandbox.control.pauseTickets(component.componentAppid);
  await malformedMessagesCarryingSecrets(gatewayOpen, component.componentAppid, authorizerAppid);
  const kinds = new Set(minted().map((record) => record.kind));
  expect(kinds).toEqual(new Set(['basic', 'stable', 'component', 'authorizer']));
  return { component, componentSecrets: [component.token, component.encodingAESKey, componentSecret(component)] };
}

/**
 * Messages a key holder could send with real values in the wrong places, and a callback whose state
 * no link carried: each is refused, and what the refusal logs must name no value (checked with the
 * rest of the logs below).
 */
async function malformedMessagesCarryingSecrets(gatewayOpen: string, componentAppid: string, authorizerAppid: string) {
  const ticket = openPlatformValues().find((value) => value.startsWith('ticket@@@'))!;
  const token = minted().find((record) => record.kind === 'authorizer')!.value;
  const code = openPlatformSpies.authCodes.mock.results.map((r) => (r.value as { code: string }).code)[0]!;
  const ignoredBefore = logLines.filter((line) => line.includes('ignored a malformed signal')).length;
  await stack.client.workflow
    .getHandle(componentWorkflowId('wechat', componentAppid))
    .signal('ticket', { ticket: [ticket], createTime: ticket });
  const authorizer = stack.client.workflow.getHandle(authorizerWorkflowId('wechat', componentAppid, authorizerAppid));
  await authorizer.signal('authorize', { accessToken: { token }, refreshToken: token, funcInfo: token, source: token });
  await expect(
    authorizer.executeUpdate<TokenView, [unknown]>('refresh', { args: [{ version: token, reason: token }] }),
  ).rejects.toThrow();
  await eventually(async () =>
    logLines.filter((line) => line.includes('ignored a malformed signal')).length >= ignoredBefore + 2
      ? true
      : undefined,
  );
  const forged = await request(
    `${gatewayOpen}/v1/authorize/wechat/${componentAppid}/callback?auth_code=${encodeURIComponent(code)}&state=v1.forged.state`,
  );
  expect([forged.statusCode, await forged.body.json()]).toEqual([202, { status: 'processing' }]);
  expect(logLines.some((line) => line.includes('without a valid state'))).toBe(true);
}

function componentSecret(component: { config: { secret: { env: string } | { file: string } } }): string {
  const ref = component.config.secret;
  return 'env' in ref ? stack.secrets[ref.env]! : '';
}

const credentialWorkflow = (workflowId: string) => /^(app|component|authorizer)\//.test(workflowId);

/**
 * The published token view (memo): every upsert in history, and the memo the server serves with
 * describe, is ciphertext; decoded with the key, the memo holds the token (so the check has teeth).
 */
async function expectEncryptedMemo(workflowId: string, histories: RawHistory[], secrets: string[]) {
  const upserts = histories
    .flatMap((h) => h.events)
    .flatMap((event) => Object.values(event.workflowPropertiesModifiedEventAttributes?.upsertedMemo?.fields ?? {}));
  expect(upserts.length).toBeGreaterThan(0);
  const raw = await stack.client.workflowService.describeWorkflowExecution({
    namespace: stack.client.options.namespace,
    execution: { workflowId },
  });
  const served = raw.workflowExecutionInfo?.memo?.fields?.[TOKEN_VIEW_MEMO_KEY];
  expect(served).toBeDefined();
  for (const payload of [...upserts, served!]) {
    expect(Buffer.from(payload.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    const bytes = Buffer.from(temporal.api.common.v1.Payload.encode(payload).finish());
    expect(secrets.filter((value) => leaks({ bytes, text: bytes.toString('base64') }, value))).toEqual([]);
  }
  const views = (await testCodec.decode(upserts as Payload[])).map(
    (payload) => JSON.parse(Buffer.from(payload.data!).toString()) as TokenView,
  );
  expect(views.some((view) => view.accessToken && secrets.includes(view.accessToken))).toBe(true);
}

it('keeps every issued token, code, ticket, secret and API key out of raw history and logs', async () => {
  const { basic, stable } = await ownAppLifecycles();
  const { componentSecrets } = await openPlatformLifecycles();

  const tokens = minted().map((record) => record.value);
  const openPlatform = openPlatformValues();
  expect(openPlatformSpies.tickets.mock.results.length).toBeGreaterThan(0);
  expect(openPlatformSpies.authCodes.mock.results.length).toBeGreaterThan(0);
  expect(openPlatformSpies.refreshTokens.mock.results.length).toBeGreaterThan(0);
  const secrets = [basic.secret, stable.secret, ...componentSecrets, ...tokens, ...openPlatform, apiKey.key];
  expect(tokens.length).toBeGreaterThanOrEqual(10);
  for (const value of secrets) expect(value.length).toBeGreaterThanOrEqual(16);

  // Every workflow in the namespace: own apps, component, authorizer, code hand-over.
  const workflowIds = new Set<string>();
  for await (const wf of stack.client.workflow.list()) workflowIds.add(wf.workflowId);
  expect(workflowIds).toContain(appWorkflowId('wechat', basic.appid));
  expect(workflowIds.size).toBeGreaterThanOrEqual(4);
  const decodedValues: string[] = [];
  const appWorkflows = new Set([appWorkflowId('wechat', basic.appid), appWorkflowId('wechat', stable.appid)]);
  for (const workflowId of workflowIds) {
    const histories = await rawHistories(stack.client, workflowId);
    // Several runs for the own apps: the state handed over at continue-as-new is covered too.
    if (appWorkflows.has(workflowId)) expect(histories.length).toBeGreaterThanOrEqual(2);
    for (const history of histories) {
      expect(history.events.length).toBeGreaterThan(1);
      expect(history.bytes.includes('binary/encrypted')).toBe(true);
      const found = secrets.filter((value) => leaks({ bytes: history.bytes, text: history.json }, value));
      expect(found).toEqual([]);
    }
    // Control: the tokens are in there, encrypted. Decoding with the stack's key brings them back.
    const decoded = await testCodec.decode(encryptedPayloads(histories.flatMap((h) => h.events)));
    const plain = decoded.map((payload) => Buffer.from(payload.data ?? new Uint8Array()).toString()).join('\n');
    if (appWorkflows.has(workflowId)) expect(tokens.some((token) => plain.includes(token))).toBe(true);
    decodedValues.push(plain);
    if (credentialWorkflow(workflowId)) await expectEncryptedMemo(workflowId, histories, secrets);
  }
  // Control over all histories: tokens, tickets and refresh tokens are in there, encrypted.
  const allDecoded = decodedValues.join('\n');
  for (const kind of ['component', 'authorizer'] as const) {
    const ofKind = minted().filter((record) => record.kind === kind);
    expect(ofKind.some((record) => allDecoded.includes(record.value))).toBe(true);
  }
  expect(openPlatformValues().some((value) => value.startsWith('ticket@@@') && allDecoded.includes(value))).toBe(true);
  // Worker-side logs were captured too, not only the gateway's.
  expect(logLines.some((line) => line.includes('Activity completed'))).toBe(true);

  // The logs: request logs from the gateway, SDK/workflow/activity logs from the worker.
  const logs = logLines.join('');
  expect(logs).toContain('"name":"gateway"');
  expect(logs).toContain('"name":"push-gateway"');
  expect(logs).toContain(basic.appid);
  expect(logs.length).toBeGreaterThan(1000);
  const inLogs = secrets.filter((value) => leaks({ text: logs }, value));
  expect(inLogs).toEqual([]);
});
