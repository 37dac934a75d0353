/**
 * Issue 13 point 1 on the real stack (dev server, worker, gateway, sandbox over HTTP at ×100): a
 * client with Temporal access but no codec keys sends plaintext signals (`configure` pointing an
 * app's and a component's secret at TOKEN_CENTRAL_CODEC_KEYS, `authorize` with a token of its
 * choice) and a forged ciphertext, and replays a genuine encrypted grant of one authorizer into
 * another. Nothing any reader sees changes (token reads, describe, the memo behind the gateway), no
 * workflow task fails, and the credentials keep refreshing.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { request } from 'undici';
import { ENCRYPTED_ENCODING, FORMAT_METADATA_KEY, KEY_ID_METADATA_KEY } from '../../codec/codec';
import { appWorkflowId, authorizerWorkflowId, componentWorkflowId } from '../../workflows/credential-ids';
import { describeApp, queryToken, wechatBusinessCall } from '../harness/apps';
import { eventually } from '../harness/eventually';
import { rawHistory } from '../harness/raw-history';
import { testDataConverter } from '../harness/temporal';
import type { Stack } from '../harness/stack';
import {
  acceptedToken,
  authorizerToken,
  authorizeByEvent,
  describeAuthorizer,
  startTpStack,
  type TpStack,
} from '../harness/tp-authorizers';

let tpStack: TpStack;
let stack: Stack;
let gatewayUrl: string;
beforeAll(async () => {
  tpStack = await startTpStack();
  ({ stack, gatewayUrl } = tpStack);
}, 90_000);
afterAll(async () => {
  await tpStack?.teardown();
});

/** Encrypted-looking payloads under the worker's key id, of random bytes: what a forger without the key can send. */
const forgingCodec: PayloadCodec = {
  async encode(payloads: Payload[]) {
    return payloads.map(() => ({
      metadata: {
        encoding: Buffer.from(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA_KEY]: Buffer.from('test'),
        [FORMAT_METADATA_KEY]: Buffer.from('2'),
      },
      data: randomBytes(96),
    }));
  },
  async decode(payloads: Payload[]) {
    return payloads;
  },
};

const getJson = async (url: string) => {
  const response = await request(url);
  return { status: response.statusCode, body: (await response.body.json()) as Record<string, unknown> };
};

const WORKFLOW_TASK_FAILED = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED;
async function workflowTaskFailures(workflowId: string): Promise<number> {
  const { events } = await rawHistory(stack.client, workflowId);
  return events.filter((event) => event.eventType === WORKFLOW_TASK_FAILED).length;
}

/** A client that sends one captured payload, as it was stored, whatever it is asked to send. */
function replayingCodec(captured: Payload): PayloadCodec {
  return {
    async encode(payloads: Payload[]) {
      return payloads.map(() => captured);
    },
    async decode(payloads: Payload[]) {
      return payloads;
    },
  };
}

const SIGNALED = temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED;

it('a genuine encrypted grant copied from one authorizer into another is refused', async () => {
  const douyin = tpStack.tp.douyin;
  // B first: A's grant is then the newer one, which B would take if it got through.
  const appidB = await authorizeByEvent(stack, 'douyin', douyin, 3);
  const b = await acceptedToken(stack.client, stack.sandbox.url, 'douyin', douyin.componentAppid, appidB);
  const appidA = await authorizeByEvent(stack, 'douyin', douyin, 2);
  await acceptedToken(stack.client, stack.sandbox.url, 'douyin', douyin.componentAppid, appidA);
  const idA = authorizerWorkflowId('douyin', douyin.componentAppid, appidA);
  const idB = authorizerWorkflowId('douyin', douyin.componentAppid, appidB);

  // A's grant as the server stores it: ciphertext under the worker's key, carrying A's tokens.
  const { events } = await rawHistory(stack.client, idA);
  const grantEvent = events.find(
    (e) => e.eventType === SIGNALED && e.workflowExecutionSignaledEventAttributes?.signalName === 'authorize',
  );
  const captured = grantEvent!.workflowExecutionSignaledEventAttributes!.input!.payloads![0] as Payload;
  const ownerOfA = { type: 'workflow' as const, namespace: stack.client.options.namespace, workflowId: idA };
  const [grantPayload] = await testDataConverter.payloadCodecs![0]!.decode([captured], ownerOfA);
  const grantOfA = defaultPayloadConverter.fromPayload<{ accessToken: string }>(grantPayload!);
  expect(grantOfA.accessToken).toEqual(expect.any(String));
  const { connection, namespace } = stack.dev.env;
  const replayer = new Client({ connection, namespace, dataConverter: { payloadCodecs: [replayingCodec(captured)] } });
  await replayer.workflow.getHandle(idB).signal('authorize', {});

  // B refreshes on with its own tokens; A's never reach B's readers.
  const seenByB = new Set<string>();
  await eventually(
    async () => {
      const view = await authorizerToken(stack.client, 'douyin', douyin.componentAppid, appidB);
      if (view.accessToken) seenByB.add(view.accessToken);
      return view.status === 'active' && view.version >= b.version + 2 ? view : undefined;
    },
    30_000,
    'two more versions of B',
  );
  expect(seenByB.has(grantOfA.accessToken)).toBe(false);
  const describedB = await describeAuthorizer(stack.client, 'douyin', douyin.componentAppid, appidB);
  expect(describedB.consecutiveFailures).toBe(0);
  expect(await workflowTaskFailures(idB)).toBe(0);
}, 120_000);

it('plaintext and forged signals change nothing readers see, and refreshes go on', async () => {
  const { connection, namespace } = stack.dev.env;
  // Temporal access without the codec keys: no data converter, so payloads go out as json/plain.
  const attacker = new Client({ connection, namespace });
  const forger = new Client({ connection, namespace, dataConverter: { payloadCodecs: [forgingCodec] } });
  const attackerToken = `attacker-token-${randomUUID()}`;

  const app = await stack.addWechatApp('basic');
  const douyin = tpStack.tp.douyin;
  const authorizerAppid = await authorizeByEvent(stack, 'douyin', douyin, 1);
  const first = await acceptedToken(stack.client, stack.sandbox.url, 'douyin', douyin.componentAppid, authorizerAppid);
  const appPath = `${gatewayUrl}/v1/apps/wechat/${app.appid}`;
  const appTokenPath = `${gatewayUrl}/v1/tokens/app/wechat/${app.appid}`;
  const componentPath = `${gatewayUrl}/v1/components/douyin/${douyin.componentAppid}`;
  const appToken = await eventually(async () => {
    const r = await getJson(appTokenPath);
    return r.status === 200 ? r.body : undefined;
  });
  const appBefore = (await getJson(appPath)).body;
  const componentBefore = (await getJson(componentPath)).body;
  expect(appBefore.settings).toMatchObject({ mode: 'basic', secret: expect.stringMatching(/^env:WX_SECRET_/) });

  const ids = {
    app: appWorkflowId('wechat', app.appid),
    component: componentWorkflowId('douyin', douyin.componentAppid),
    authorizer: authorizerWorkflowId('douyin', douyin.componentAppid, authorizerAppid),
  };
  const hostileSettings = { mode: 'stable', secretRef: { env: 'TOKEN_CENTRAL_CODEC_KEYS' } };
  const hostileGrant = {
    accessToken: attackerToken,
    expiresInMs: 86_400_000,
    latencyMs: 1,
    funcInfo: [],
    source: 'authorized',
  };
  for (const client of [attacker, forger]) {
    await client.workflow.getHandle(ids.app).signal('configure', hostileSettings);
    await client.workflow
      .getHandle(ids.component)
      .signal('configure', { secretRef: { env: 'TOKEN_CENTRAL_CODEC_KEYS' } });
    await client.workflow.getHandle(ids.authorizer).signal('authorize', hostileGrant);
  }

  // The authorizer keeps refreshing (3 s tokens): three more versions, each accepted by the platform.
  const later = await acceptedToken(stack.client, stack.sandbox.url, 'douyin', douyin.componentAppid, authorizerAppid, {
    minVersion: first.version + 3,
  });
  expect(later.accessToken).not.toBe(attackerToken);
  const authorizer = await describeAuthorizer(stack.client, 'douyin', douyin.componentAppid, authorizerAppid);
  expect(authorizer.consecutiveFailures).toBe(0);
  const viaGateway = await getJson(`${componentPath}/authorizers/${authorizerAppid}`);
  expect(JSON.stringify(viaGateway.body)).not.toContain(attackerToken);

  // The app and the component read as before: same settings, same token, served from the memo.
  expect((await getJson(appPath)).body.settings).toEqual(appBefore.settings);
  // (Its ticket fields move with the pushes; the secret reference must not.)
  expect((await getJson(componentPath)).body.settings).toMatchObject({
    secret: (componentBefore.settings as Record<string, unknown>).secret,
  });
  expect(JSON.stringify((await getJson(appPath)).body)).not.toContain('TOKEN_CENTRAL');
  expect(JSON.stringify((await getJson(componentPath)).body)).not.toContain('TOKEN_CENTRAL');
  expect((await getJson(appTokenPath)).body.access_token).toBe(appToken.access_token);

  // The app still refreshes, with its real secret: a reported token is replaced by one the platform accepts.
  const fresh = await stack.tokens.reportInvalid(
    { kind: 'app', platform: 'wechat', appid: app.appid },
    String(appToken.access_token),
  );
  expect(fresh.version).toBe(Number(appToken.version) + 1);
  expect(await wechatBusinessCall(stack.sandbox.url, fresh.accessToken)).not.toHaveProperty('errcode');
  expect((await describeApp(stack.client, app)).settings).toEqual(appBefore.settings);
  expect((await queryToken(stack.client, app)).accessToken).toBe(fresh.accessToken);

  // No workflow task failed: the refused payloads never reached a handler that could loop on them.
  for (const id of Object.values(ids)) expect(await workflowTaskFailures(id)).toBe(0);
}, 120_000);
