/**
 * The published token view (the read path, issue 11) on a Douyin authorizer, whose old token dies
 * the moment a refresh succeeds: sandbox ×100 with access tokens configured to live 3 s.
 *
 * - The view in the memo (read with `describe()` from the server, no worker) and the workflow's own
 *   `token` query agree through scheduled refreshes, a passive refresh and a recovery (the refresh's
 *   answer is lost, the workflow retrieves a fresh code and exchanges it).
 * - A re-created workflow (revoked, then authorized again: a new run chain whose versions start at
 *   1 again) replaces what a reader cached of the old one, whatever its version.
 */
import { request } from 'undici';
import { TokenClient, TokenUnavailableError } from '../../client/token-client';
import { authorizerWorkflowId, type AuthorizerRef } from '../../workflows/credential-ids';
import { TOKEN_VIEW_MEMO_KEY, tokenQuery, type TokenView } from '../../workflows/messages';
import { eventually } from '../harness/eventually';
import { startStack, type Stack, type TpStackComponent } from '../harness/stack';
import { acceptedToken, acceptedWithin, businessCall, describeAuthorizer } from '../harness/tp-authorizers';

jest.setTimeout(120_000);

const REFRESH_PATH = '/api/tpapp/v2/auth/get_auth_token/';

let stack: Stack;
let douyin: TpStackComponent;
beforeAll(async () => {
  stack = await startStack({ timeScale: 100 });
  const gatewayUrl = await stack.startGateway();
  douyin = await stack.addTpComponent('douyin', {
    durations: { accessTokenLifetime: 300, refreshTokenLifetime: 900 },
  });
  await stack.sandbox.control.startDouyinTickets(douyin.componentAppid);
  await eventually(
    async () => {
      const response = await request(`${gatewayUrl}/v1/tokens/component/douyin/${douyin.componentAppid}`);
      await response.body.dump();
      return response.statusCode === 200 ? true : undefined;
    },
    30_000,
    'douyin component token',
  );
}, 60_000);
afterAll(async () => {
  if (douyin) await stack?.sandbox.control.pauseDouyinTickets(douyin.componentAppid);
  await stack?.teardown();
});

function refOf(authorizerAppid: string): AuthorizerRef {
  return { kind: 'authorizer', platform: 'douyin', componentAppid: douyin.componentAppid, authorizerAppid };
}

function handleOf(authorizerAppid: string) {
  return stack.client.workflow.getHandle(authorizerWorkflowId('douyin', douyin.componentAppid, authorizerAppid));
}

async function authorize(authorizerAppid: string): Promise<TokenView> {
  await stack.sandbox.control.douyinAuthorize(douyin.componentAppid, { authorizerAppid });
  return acceptedToken(stack.client, stack.sandbox.url, 'douyin', douyin.componentAppid, authorizerAppid);
}

async function published(authorizerAppid: string): Promise<TokenView | undefined> {
  return (await handleOf(authorizerAppid).describe()).memo?.[TOKEN_VIEW_MEMO_KEY] as TokenView | undefined;
}

/**
 * Samples (published view, query, published view) until stopped. Where both reads of the memo are
 * equal, the query (answered after the same workflow tasks) must equal them.
 */
function sampleAgreement(authorizerAppid: string) {
  let running = true;
  const agreed: TokenView[] = [];
  const disagreed: Array<{ published: TokenView | undefined; queried: TokenView }> = [];
  const done = (async () => {
    while (running) {
      const before = await published(authorizerAppid);
      const queried = await handleOf(authorizerAppid).query(tokenQuery);
      const after = await published(authorizerAppid);
      if (JSON.stringify(before) === JSON.stringify(after)) {
        if (JSON.stringify(queried) === JSON.stringify(before)) agreed.push(queried);
        else disagreed.push({ published: before, queried });
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    agreed,
    disagreed,
    async stop() {
      running = false;
      await done;
    },
  };
}

it('the published view and the token query agree through scheduled refreshes, a passive refresh and a recovery', async () => {
  const authorizerAppid = `ttviews${Date.now() % 100000}`;
  const first = await authorize(authorizerAppid);
  const sampler = sampleAgreement(authorizerAppid);
  try {
    // Scheduled refreshes.
    const scheduled = await eventually(
      async () => {
        const view = await published(authorizerAppid);
        return view && view.version >= first.version + 2 ? view : undefined;
      },
      30_000,
      'two scheduled refreshes',
    );
    expect(scheduled.nextRefreshAt).toBeLessThan(scheduled.expiresAt!);

    // A passive refresh: the answer is the published view's token.
    const current = await stack.tokens.getToken(refOf(authorizerAppid));
    const reported = await stack.tokens.reportInvalid(refOf(authorizerAppid), current.accessToken);
    expect(reported.version).toBeGreaterThan(current.version);
    const afterReport = await eventually(async () => {
      const view = await published(authorizerAppid);
      return view && view.version >= reported.version ? view : undefined;
    });
    if (afterReport.version === reported.version) expect(afterReport.accessToken).toBe(reported.accessToken);
    const passive = (await describeAuthorizer(stack.client, 'douyin', douyin.componentAppid, authorizerAppid))
      .passiveRefreshes;
    expect(passive).toBeGreaterThanOrEqual(1);

    // A recovery: the next refresh is done upstream but its answer is lost.
    await stack.sandbox.control.addFault({
      path: REFRESH_PATH,
      kind: 'drop_response',
      appid: authorizerAppid,
      times: 1,
    });
    const recovered = await acceptedToken(
      stack.client,
      stack.sandbox.url,
      'douyin',
      douyin.componentAppid,
      authorizerAppid,
      {
        where: (d) => Number(d.settings['refresh-token recoveries']) >= 1 && d.settings['recovery pending'] === '—',
      },
    );
    await eventually(async () => {
      const view = await published(authorizerAppid);
      return view && view.version > recovered.version ? view : undefined;
    }, 30_000);
  } finally {
    await sampler.stop();
  }

  expect(sampler.disagreed).toEqual([]);
  expect(sampler.agreed.length).toBeGreaterThan(20);
  // The samples span every kind of change: several versions, each with its token and schedule.
  const versions = new Set(sampler.agreed.map((v) => v.version));
  expect(versions.size).toBeGreaterThanOrEqual(5);
  expect(sampler.agreed.some((v) => v.status === 'active')).toBe(true);
  for (const view of sampler.agreed) {
    expect(['active', 'degraded']).toContain(view.status);
    expect(view).toMatchObject({ accessToken: expect.any(String), firstRunId: expect.any(String) });
    expect(view.nextRefreshAt).toBeLessThan(view.expiresAt!);
  }
  const lastAccepted = await acceptedWithin(3, async () =>
    businessCall(stack.sandbox.url, 'douyin', (await published(authorizerAppid))!.accessToken!),
  );
  expect(lastAccepted).toBe(0);
});

it('a re-created workflow replaces what a reader cached of the old one, whatever its version', async () => {
  const authorizerAppid = `ttagain${Date.now() % 100000}`;
  const ref = refOf(authorizerAppid);
  const reader = new TokenClient(stack.client);
  await authorize(authorizerAppid);
  // The reader holds version ≥ 5 of the first workflow (the new one needs four refreshes to get there).
  const old = await eventually(
    async () => {
      const token = await reader.getToken(ref);
      return token.version >= 5 ? token : undefined;
    },
    30_000,
    'version 5 of the first workflow',
  );
  const firstChain = (await handleOf(authorizerAppid).describe()).raw.workflowExecutionInfo?.firstRunId;

  // Revoked, then authorized again: a new workflow, starting again at version 1.
  await stack.sandbox.control.douyinUnauthorize(douyin.componentAppid, authorizerAppid);
  await eventually(async () => ((await published(authorizerAppid))?.status === 'revoked' ? true : undefined));
  await stack.sandbox.control.douyinAuthorize(douyin.componentAppid, { authorizerAppid });
  const again = await eventually(
    async () => {
      const d = await handleOf(authorizerAppid).describe();
      const view = d.memo?.[TOKEN_VIEW_MEMO_KEY] as TokenView | undefined;
      return d.raw.workflowExecutionInfo?.firstRunId !== firstChain && view?.accessToken ? view : undefined;
    },
    30_000,
    'the re-created workflow',
  );
  expect(again.version).toBeLessThan(old.version);

  // The reader answers with the new workflow's token once its cached copy is due for a re-check.
  const fresh = await eventually(
    async () => {
      const token = await reader.getToken(ref).catch((err: unknown) => {
        if (err instanceof TokenUnavailableError) return undefined;
        throw err;
      });
      return token && token.accessToken !== old.accessToken && token.version < old.version ? token : undefined;
    },
    10_000,
    'the new workflow token',
  );
  let token = fresh.accessToken;
  const freshAccepted = await acceptedWithin(3, async () => {
    const code = await businessCall(stack.sandbox.url, 'douyin', token);
    token = (await reader.getToken(ref)).accessToken;
    return code;
  });
  expect(freshAccepted).toBe(0);
  expect((await reader.getToken(ref)).version).toBeLessThan(old.version);
  // A late report of the old workflow's token refreshes nothing: it answers the current token.
  const answer = await reader.reportInvalid(ref, old.accessToken);
  expect(answer.version).toBeLessThan(old.version);
  const history = await handleOf(authorizerAppid).fetchHistory();
  expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
  // A report of the new token is one passive refresh of the new workflow.
  const current = await reader.getToken(ref);
  const refreshed = await reader.reportInvalid(ref, current.accessToken);
  expect(refreshed.version).toBe(current.version + 1);
});
