/**
 * `npm run record:histories`: drives a real stack (Temporal dev server + sandbox + worker + gateway,
 * test/harness/stack.ts) through the important paths of every workflow type and writes each run's
 * history to test/replay/histories/ as JSON, re-encrypted under the TEST-ONLY key committed next to
 * them. test/replay/replay.test.ts replays them all against the current workflow code. Re-record
 * after any change to what workflows do (docs/changing-workflows.md); keep histories that running
 * workflows may still look like.
 *
 * Phases share one sandbox clock: WeChat own apps and tokens at ×2000, authorization codes (which
 * must outlive their hand-over) and Douyin/Baidu at ×100. The dev server suggests continue-as-new
 * after CONTINUE_AS_NEW_AT events, so long-lived workflows record several runs; the first two child
 * workflows of each type they start are recorded too.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Payload, SerializationContext } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { request } from 'undici';
import { authCodeWorkflowId } from '../client/credentials';
import { AesGcmCodec, createKeyRing, NAMESPACE_METADATA_KEY, WORKFLOW_ID_METADATA_KEY } from '../codec/codec';
import { componentWorkflowId, credentialWorkflowId, type CredentialRef } from '../workflows/credential-ids';
import { describeQuery, tokenQuery, type CredentialDescription, type TokenView } from '../workflows/messages';
import { eventually } from '../test/harness/eventually';
import { encryptedPayloads, rawHistories } from '../test/harness/raw-history';
import { startStack, type Stack, type StackComponent, type TpStackComponent } from '../test/harness/stack';
import { testCodecKey } from '../test/harness/temporal';
import { HISTORIES_DIR, replayKeyRing, WORKFLOW_IDS_FILE } from '../test/replay/recorded-histories';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

const CONTINUE_AS_NEW_AT = 60;
const FAST = 2000;
const SLOW = 100;
const WAIT_MS = 45_000;

interface Recording {
  /** File stem: what the history shows. */
  name: string;
  workflowId: string;
}

const recordings: Recording[] = [];
const problems: string[] = [];
const record = (name: string, workflowId: string) => recordings.push({ name, workflowId });

function log(message: string): void {
  process.stdout.write(`[record-histories ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Runs one scenario; a failure is reported and the others go on (what it started is still recorded). */
async function scenario(name: string, body: () => Promise<void>): Promise<void> {
  const started = Date.now();
  try {
    await body();
    log(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  } catch (err) {
    problems.push(`${name}: ${err instanceof Error ? err.message : String(err)}`);
    log(`✗ ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function handle(client: Client, workflowId: string) {
  return client.workflow.getHandle(workflowId);
}

const idOf = (ref: CredentialRef): string => credentialWorkflowId(ref);

/** Waits until the credential's token view (and optionally its description) satisfies `where`. */
async function until(
  stack: Stack,
  ref: CredentialRef,
  what: string,
  where: (view: TokenView, d: CredentialDescription) => boolean,
): Promise<TokenView> {
  return eventually(
    async () => {
      const h = handle(stack.client, idOf(ref));
      const view = await h.query(tokenQuery);
      return where(view, await h.query(describeQuery)) ? view : undefined;
    },
    WAIT_MS,
    `${what} (${idOf(ref)})`,
  );
}

const active =
  (minVersion = 1) =>
  (v: TokenView) =>
    v.status === 'active' && v.version >= minVersion;

/** The authorization is gone and the workflow knows it: completed, or parked as revoked / reauth_required. */
async function revoked(stack: Stack, ref: CredentialRef): Promise<void> {
  const h = handle(stack.client, idOf(ref));
  await eventually(
    async () =>
      (await h.describe()).status.name === 'COMPLETED' ||
      ['revoked', 'reauth_required'].includes((await h.query(tokenQuery)).status),
    WAIT_MS,
    `${idOf(ref)} revoked`,
  );
}

async function runCount(stack: Stack, workflowId: string): Promise<number> {
  const listed = await stack.client.workflowService.listWorkflowExecutions({
    namespace: stack.client.options.namespace,
    query: `WorkflowId = '${workflowId}'`,
  });
  return listed.executions?.length ?? 0;
}

const setScale = (stack: Stack, timeScale: number) => stack.sandbox.control.setClock({ timeScale });

// ---- own apps (×2000) ----

async function ownApps(stack: Stack): Promise<void> {
  await Promise.all([
    scenario('app token (basic): first token, scheduled refreshes, passive report', async () => {
      const app = await stack.addWechatApp('basic');
      record('app-basic-first-scheduled-passive', idOf(app));
      const view = await until(stack, app, 'two scheduled refreshes', active(3));
      await stack.tokens.reportInvalid(app, view.accessToken!);
      await until(stack, app, 'passive refresh', (v, d) => active(view.version + 1)(v) && d.passiveRefreshes >= 1);
    }),
    scenario('app token (stable): passive report handed back the same token, force refresh', async () => {
      const app = await stack.addWechatApp('stable');
      record('app-stable-force-refresh', idOf(app));
      const view = await until(stack, app, 'first token', active());
      await stack.tokens.reportInvalid(app, view.accessToken!);
      await until(stack, app, 'force refresh', (v, d) => active()(v) && d.forcedRefreshes >= 1);
    }),
    scenario('app token: continue-as-new, twice', async () => {
      const app = await stack.addWechatApp('basic');
      record('app-continue-as-new', idOf(app));
      await eventually(async () => (await runCount(stack, idOf(app))) >= 3, WAIT_MS, 'two continue-as-new');
    }),
  ]);
}

// ---- WeChat Open Platform: component, authorizers ----

async function componentToken(stack: Stack, c: StackComponent): Promise<void> {
  const ref = { kind: 'component', platform: 'wechat', componentAppid: c.componentAppid } as const;
  record('component-wechat-ticket-refresh', idOf(ref));
  // Pushed every 10 platform minutes until the WeChat authorizers are done (a ticket lives 12 platform hours).
  await stack.sandbox.control.startTickets(c.componentAppid);
  const first = await until(stack, ref, 'component token', active());
  await until(stack, ref, 'scheduled component refresh', active(first.version + 1));
}

interface WechatAuthorized {
  appid: string;
  view: TokenView;
}

/** Authorizes at ×100 (a code outlives its hand-over), by redirect or by event; records both workflows. */
async function wechatAuthorize(
  stack: Stack,
  gatewayUrl: string,
  c: StackComponent,
  appid: string,
  deliver: 'redirect' | 'event',
): Promise<WechatAuthorized> {
  // The gateway's authorization link carries the signed redirect_uri (with its `state`) the callback checks.
  const link = await request(`${gatewayUrl}/v1/authorize/wechat/${c.componentAppid}?format=json`);
  const page = new URL(((await link.body.json()) as { url: string }).url);
  const outcome = await stack.sandbox.control.authorize(c.componentAppid, {
    authorizerAppid: appid,
    funcInfo: [1, 2],
    deliver,
    redirectUri: page.searchParams.get('redirect_uri')!,
    preAuthCode: page.searchParams.get('pre_auth_code')!,
  });
  if (outcome.redirectUrl) {
    const callback = await request(outcome.redirectUrl);
    await callback.body.dump();
    if (callback.statusCode !== 200) throw new Error(`authorization callback answered ${callback.statusCode}`);
  }
  const code = outcome.authorizationCode;
  record(
    `authcode-wechat-${deliver}`,
    authCodeWorkflowId({ platform: 'wechat', componentAppid: c.componentAppid, code }),
  );
  const ref = {
    kind: 'authorizer',
    platform: 'wechat',
    componentAppid: c.componentAppid,
    authorizerAppid: appid,
  } as const;
  return { appid, view: await until(stack, ref, `authorized by ${deliver}`, active()) };
}

async function wechatAuthorizerLifecycles(stack: Stack, gatewayUrl: string, c: StackComponent): Promise<void> {
  const refOf = (appid: string) =>
    ({ kind: 'authorizer', platform: 'wechat', componentAppid: c.componentAppid, authorizerAppid: appid }) as const;
  const authorized: WechatAuthorized[] = [];
  await setScale(stack, SLOW);
  try {
    await scenario('wechat authorization by redirect', async () => {
      authorized.push(await wechatAuthorize(stack, gatewayUrl, c, 'wxreplayredir001', 'redirect'));
      record('authorizer-wechat-redirect-revoke', idOf(refOf('wxreplayredir001')));
    });
    await scenario('wechat authorization by event', async () => {
      authorized.push(await wechatAuthorize(stack, gatewayUrl, c, 'wxreplayevent001', 'event'));
      record('authorizer-wechat-event-refresh-61023-revoke', idOf(refOf('wxreplayevent001')));
    });
  } finally {
    await setScale(stack, FAST);
  }
  const event = authorized.find((a) => a.appid === 'wxreplayevent001');
  if (event) {
    await scenario('wechat authorizer: scheduled refresh, 61023 recovered from the authorizer list', async () => {
      const ref = refOf(event.appid);
      // A passive refresh at ×2000 gives a token that lives seconds, so scheduled refreshes follow.
      await stack.tokens.reportInvalid(ref, event.view.accessToken!);
      const refreshed = await until(stack, ref, 'scheduled refreshes', active(event.view.version + 3));
      await stack.sandbox.control.loseRefreshToken(c.componentAppid, event.appid);
      await until(
        stack,
        ref,
        'refresh token recovered from the list',
        (v, d) => active(refreshed.version + 1)(v) && Number(d.settings['refresh-token recoveries']) >= 1,
      );
    });
  }
  // Tickets at ×2000 (one every 0.3 s) would use up the gateway's push rate limit the revocation pushes need.
  await stack.sandbox.control.pauseTickets(c.componentAppid);
  await Promise.all(
    authorized.map((a) =>
      scenario(`wechat authorizer ${a.appid} revoked`, async () => {
        const { push } = await stack.sandbox.control.unauthorize(c.componentAppid, a.appid);
        const reply = push ? push.attempts.map((attempt) => `${attempt.outcome}: ${attempt.reply}`).join(', ') : '';
        await revoked(stack, refOf(a.appid)).catch((err: unknown) => {
          throw new Error(`${String(err)} (unauthorized push: ${reply || 'not delivered'})`);
        });
      }),
    ),
  );
}

// ---- Douyin and Baidu (×100) ----

type TpKind = 'douyin' | 'baidu';

async function tpComponent(stack: Stack, platform: TpKind): Promise<TpStackComponent> {
  const c =
    platform === 'douyin'
      ? await stack.addTpComponent('douyin', { durations: { accessTokenLifetime: 300, refreshTokenLifetime: 900 } })
      : await stack.addTpComponent('baidu', { durations: { accessTokenLifetime: 300 } });
  record(`component-${platform}-tickets`, componentWorkflowId(platform, c.componentAppid));
  if (platform === 'douyin') await stack.sandbox.control.startDouyinTickets(c.componentAppid);
  else await stack.sandbox.control.startBaiduTickets(c.componentAppid);
  await until(stack, { kind: 'component', platform, componentAppid: c.componentAppid }, 'component token', active());
  return c;
}

const tpRef = (platform: TpKind, c: TpStackComponent, authorizerAppid: string) =>
  ({ kind: 'authorizer', platform, componentAppid: c.componentAppid, authorizerAppid }) as const;

const REFRESH_PATH = { douyin: '/api/tpapp/v2/auth/get_auth_token/', baidu: '/rest/2.0/oauth/token' } as const;

/** By event: scheduled refreshes, an ambiguous refresh recovered with a retrieved code, revoked. */
async function tpEventLifecycle(stack: Stack, platform: TpKind, c: TpStackComponent): Promise<void> {
  const outcome =
    platform === 'douyin'
      ? await stack.sandbox.control.douyinAuthorize(c.componentAppid, { authorizerAppid: 'ttreplayevent01' })
      : await stack.sandbox.control.baiduAuthorize(c.componentAppid, { appId: 30_000_001 });
  const appid = 'authorizerAppid' in outcome ? outcome.authorizerAppid : String(outcome.appId);
  const ref = tpRef(platform, c, appid);
  record(
    `authcode-${platform}-event`,
    authCodeWorkflowId({ platform, componentAppid: c.componentAppid, code: outcome.authorizationCode }),
  );
  record(`authorizer-${platform}-event-refresh-recovery-revoke`, idOf(ref));
  const refreshed = await until(stack, ref, 'scheduled refreshes', active(3));
  await stack.sandbox.control.addFault({ path: REFRESH_PATH[platform], kind: 'drop_response', appid, times: 1 });
  await until(
    stack,
    ref,
    'ambiguous refresh recovered with a retrieved code',
    (v, d) => active(refreshed.version + 1)(v) && Number(d.settings['refresh-token recoveries']) >= 1,
  );
  if (platform === 'douyin') await stack.sandbox.control.douyinUnauthorize(c.componentAppid, appid);
  else await stack.sandbox.control.baiduUnauthorize(c.componentAppid, Number(appid));
  await revoked(stack, ref);
}

/** By redirect (Baidu: the app id from app info), with no push channel during the authorization. */
async function tpRedirect(stack: Stack, gatewayUrl: string, platform: TpKind, c: TpStackComponent): Promise<void> {
  const link = await request(`${gatewayUrl}/v1/authorize/${platform}/${c.componentAppid}?format=json`);
  const page = new URL(((await link.body.json()) as { url: string }).url);
  const preAuthCode = page.searchParams.get('pre_auth_code')!;
  const redirectUri = page.searchParams.get('redirect_uri')!;
  const attach = { callbackUrl: `${gatewayUrl}/v1/push/${platform}/${c.componentAppid}` };
  let redirect: string | null;
  let appid: string;
  if (platform === 'douyin') {
    await stack.sandbox.control.updateDouyinTpApp(c.componentAppid, { callbackUrl: null });
    const outcome = await stack.sandbox.control
      .douyinAuthorize(c.componentAppid, { authorizerAppid: 'ttreplayredir01', preAuthCode, redirectUri })
      .finally(() => stack.sandbox.control.updateDouyinTpApp(c.componentAppid, attach));
    [redirect, appid] = [outcome.redirect, outcome.authorizerAppid];
  } else {
    await stack.sandbox.control.updateBaiduTpApp(c.componentAppid, { callbackUrl: null });
    const outcome = await stack.sandbox.control
      .baiduAuthorize(c.componentAppid, { appId: 30_000_002, preAuthCode, redirectUri })
      .finally(() => stack.sandbox.control.updateBaiduTpApp(c.componentAppid, attach));
    [redirect, appid] = [outcome.redirect, String(outcome.appId)];
  }
  const code = new URL(redirect!).searchParams.get('authorization_code')!;
  record(`authcode-${platform}-redirect`, authCodeWorkflowId({ platform, componentAppid: c.componentAppid, code }));
  record(`authorizer-${platform}-redirect`, idOf(tpRef(platform, c, appid)));
  await (await request(redirect!)).body.dump();
  await until(stack, tpRef(platform, c, appid), 'authorized by redirect', active());
}

/** The first exchange of a code is ambiguous (answer dropped): the authorizer recovers with a retrieved code. */
async function tpAmbiguousExchange(stack: Stack, platform: TpKind, c: TpStackComponent): Promise<void> {
  const appid = platform === 'douyin' ? 'ttreplaylost001' : '30000003';
  await stack.sandbox.control.addFault({ path: REFRESH_PATH[platform], kind: 'drop_response', appid, times: 1 });
  const outcome =
    platform === 'douyin'
      ? await stack.sandbox.control.douyinAuthorize(c.componentAppid, { authorizerAppid: appid })
      : await stack.sandbox.control.baiduAuthorize(c.componentAppid, { appId: Number(appid) });
  record(
    `authcode-${platform}-ambiguous-exchange`,
    authCodeWorkflowId({ platform, componentAppid: c.componentAppid, code: outcome.authorizationCode }),
  );
  record(`authorizer-${platform}-after-ambiguous-exchange`, idOf(tpRef(platform, c, appid)));
  await until(stack, tpRef(platform, c, appid), 'token after an ambiguous exchange', active());
}

// ---- writing ----

/** Every run of every recorded workflow, payloads re-encrypted from the stack's random key to the test-only key. */
async function writeHistories(stack: Stack): Promise<string[]> {
  const from = new AesGcmCodec(createKeyRing('test', [['test', testCodecKey]]));
  const to = new AesGcmCodec(replayKeyRing());
  /** Same payload, same owner (the namespace and workflow it is bound to), under the test-only key. */
  const reencrypt = async (payload: Payload): Promise<Payload> => {
    const text = (key: string) => {
      const bytes = payload.metadata?.[key];
      return bytes ? Buffer.from(bytes).toString('utf8') : '';
    };
    const owner: SerializationContext = {
      type: 'workflow',
      namespace: text(NAMESPACE_METADATA_KEY),
      workflowId: text(WORKFLOW_ID_METADATA_KEY),
    };
    const [plain] = await from.decode([payload]);
    const [encrypted] = await to.encode([plain!], owner);
    return encrypted!;
  };
  mkdirSync(HISTORIES_DIR, { recursive: true });
  for (const file of readdirSync(HISTORIES_DIR)) if (file.endsWith('.json')) rmSync(path.join(HISTORIES_DIR, file));
  const lines: string[] = [];
  const workflowIds: Record<string, string> = {};
  /** Child workflows the recorded ones started (webhook notifications, recovery exchanges), by type. */
  const children = new Map<string, string[]>();
  const queue = [...recordings];
  for (let next = queue.shift(); next; next = queue.shift()) {
    const { name, workflowId } = next;
    let runs;
    try {
      runs = await rawHistories(stack.client, workflowId);
    } catch (err) {
      problems.push(`${name}: no history (${String(err)})`);
      continue;
    }
    const started = (events: HistoryEvent[]) =>
      Number(events[0]?.eventTime?.seconds ?? 0) * 1e3 + (events[0]?.eventTime?.nanos ?? 0) / 1e6;
    const ordered = runs.filter((r) => r.events.length > 0).sort((a, b) => started(a.events) - started(b.events));
    // The latest run is listed twice (by its id and as the current one): its start time names it.
    const unique = ordered.filter((run, i) => i === 0 || started(run.events) !== started(ordered[i - 1]!.events));
    // Runs in between show nothing the first two and the last do not: keep those three.
    for (const [i, run] of unique.entries()) {
      if (i >= 2 && i < unique.length - 1) continue;
      for (const payload of encryptedPayloads(run.events)) Object.assign(payload, await reencrypt(payload));
      for (const event of run.events) {
        const child = event.childWorkflowExecutionStartedEventAttributes;
        const type = child?.workflowType?.name;
        if (!type || !child.workflowExecution?.workflowId) continue;
        const ids = children.get(type) ?? [];
        children.set(type, [...ids, child.workflowExecution.workflowId]);
        // The first two children of each type stand for all: their inputs differ only in data.
        if (ids.length < 2) {
          queue.push({ name: `child-${type}-${ids.length + 1}`, workflowId: child.workflowExecution.workflowId });
        }
      }
      const stem = `${name}${i === 0 ? '' : `.run${i + 1}`}`;
      const file = `${stem}.json`;
      workflowIds[stem] = workflowId;
      const json = historyToJSON(temporal.api.history.v1.History.create({ events: run.events }));
      writeFileSync(path.join(HISTORIES_DIR, file), `${JSON.stringify(JSON.parse(json), null, 1)}\n`);
      const type = run.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;
      lines.push(`${file.padEnd(62)} ${String(type).padEnd(24)} ${String(run.events.length).padStart(4)} events`);
    }
  }
  const sorted = Object.fromEntries(Object.entries(workflowIds).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(path.join(HISTORIES_DIR, WORKFLOW_IDS_FILE), `${JSON.stringify(sorted, null, 2)}\n`);
  return lines;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  log('starting dev server, sandbox, worker, gateway');
  const clock = { now: () => Date.now() };
  const stack = await startStack({
    timeScale: FAST,
    suggestContinueAsNewAt: CONTINUE_AS_NEW_AT,
    // Pushes are signed with the sandbox's (scaled) time: the gateway checks their timestamps against it.
    pushNowSeconds: () => Math.floor(clock.now() / 1000),
  });
  clock.now = () => stack.sandbox.core.clock.now();
  let exitCode = 0;
  try {
    const gatewayUrl = await stack.startGateway();
    const wechatComponent = await stack.addWechatComponent();

    log(`phase 1 (×${FAST}): own apps, WeChat component`);
    await Promise.all([
      ownApps(stack),
      scenario('wechat component: ticket, token, refresh', () => componentToken(stack, wechatComponent)),
    ]);

    log(`phase 2 (×${SLOW} for codes, then ×${FAST}): WeChat authorizers`);
    await wechatAuthorizerLifecycles(stack, gatewayUrl, wechatComponent);

    log(`phase 3 (×${SLOW}): Douyin and Baidu`);
    await setScale(stack, SLOW);
    await Promise.all(
      (['douyin', 'baidu'] as const).map(async (platform) => {
        let c: TpStackComponent | undefined;
        await scenario(`${platform} component: tickets, token`, async () => {
          c = await tpComponent(stack, platform);
        });
        if (!c) return;
        const component = c;
        await Promise.all([
          scenario(`${platform} authorizer by event: refreshes, recovery, revoke`, () =>
            tpEventLifecycle(stack, platform, component),
          ),
          scenario(`${platform} authorization by redirect`, () => tpRedirect(stack, gatewayUrl, platform, component)),
          scenario(`${platform} ambiguous first exchange`, () => tpAmbiguousExchange(stack, platform, component)),
        ]);
        if (platform === 'douyin') await stack.sandbox.control.pauseDouyinTickets(component.componentAppid);
        else await stack.sandbox.control.pauseBaiduTickets(component.componentAppid);
      }),
    );

    log('writing histories');
    const lines = await writeHistories(stack);
    process.stdout.write(`\nRecorded ${lines.length} histories in ${path.relative(process.cwd(), HISTORIES_DIR)}/:\n`);
    process.stdout.write(`${lines.join('\n')}\n`);
    if (problems.length > 0) {
      exitCode = 1;
      process.stdout.write(`\n${problems.length} scenario(s) did not complete:\n- ${problems.join('\n- ')}\n`);
    }
    log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    await stack.teardown();
  }
  process.exit(exitCode);
}

main().catch((err: unknown) => {
  process.stderr.write(`record-histories failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
