/**
 * A third-party platform's component token and its pushed ticket (docs/architecture.md invariant 4: the
 * last good ticket is kept for its full validity; a stale ticket is a visible status, not a silent
 * failure). componentTokenWorkflow on the time-skipping server, the token endpoint scripted.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { ComponentTokenInput } from '../../workflows/component-token';
import { componentTokenWorkflow } from '../../workflows';
import { invalidateSignal, ticketSignal, type CredentialDescription } from '../../workflows/messages';
import {
  createScriptedEnvironment,
  teardownScriptedEnvironment,
  minted,
  platformFailure,
  withScriptedWorker,
  HOUR,
  MINUTE,
  SECOND,
  type ScriptedRun,
} from '../harness/scripted-worker';

const VALIDITY = 3 * HOUR;
const STALE_AFTER = 30 * MINUTE;

function componentInput(platform: 'wechat' | 'douyin', componentAppid: string): ComponentTokenInput {
  return {
    platform,
    componentAppid,
    settings: { secretRef: { env: 'COMPONENT_SECRET' }, ticketValidityMs: VALIDITY, staleTicketAfterMs: STALE_AFTER },
  };
}

/** A ticket as the platform pushes it: created now on the (time-skipping) server's clock, or `ageMs` earlier. */
async function push(run: ScriptedRun, ticket: string, ageMs = 0) {
  return { ticket, createTime: Math.floor(((await run.now()) - ageMs) / 1000) };
}

/**
 * A query sees the workflow's time as of its last activation (queries do not advance workflow time),
 * and nothing wakes a Douyin component between refreshes: a report naming no version (ignored) gives it one.
 */
async function describeNow(run: ScriptedRun, handle: WorkflowHandle): Promise<CredentialDescription> {
  await handle.signal(invalidateSignal, { version: -1 });
  await run.advance(1);
  return run.describe(handle);
}

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createScriptedEnvironment();
}, 60_000);
afterAll(() => teardownScriptedEnvironment(env));

describe('component token and ticket', () => {
  it('stays pending without a ticket, calls nothing, then obtains the token at once with the first pushed ticket', async () => {
    let n = 0;
    await withScriptedWorker(env, { fetchComponentToken: () => minted(`component-token-${++n}`) }, async (run) => {
      const handle = await run.start(
        componentTokenWorkflow,
        'component/douyin/ttcomponentpend1',
        componentInput('douyin', 'ttcomponentpend1'),
      );
      await run.advance(6 * HOUR);
      expect(run.calls).toEqual([]);
      const waiting = await run.describe(handle);
      expect(waiting.status).toBe('pending');
      expect(waiting.ticket?.state).toBe('missing');
      expect((await run.token(handle)).accessToken).toBeUndefined();

      await handle.signal(ticketSignal, await push(run, 'ticket-A'));
      const active = await run.describedWhen(handle, (d) => d.version === 1, 'the first component token');
      expect(active.status).toBe('active');
      expect(active.ticket?.state).toBe('fresh');
      expect(run.callsOf('fetchComponentToken').map((c) => c.input)).toEqual([
        {
          platform: 'douyin',
          componentAppid: 'ttcomponentpend1',
          secretRef: { env: 'COMPONENT_SECRET' },
          ticket: 'ticket-A',
        },
      ]);
    });
  });

  it('refreshes on schedule with the last pushed ticket, and keeps using it while pushes pause within its validity', async () => {
    let n = 0;
    await withScriptedWorker(env, { fetchComponentToken: () => minted(`component-token-${++n}`) }, async (run) => {
      const handle = await run.start(
        componentTokenWorkflow,
        'component/douyin/ttcomponentlast1',
        componentInput('douyin', 'ttcomponentlast1'),
      );
      await handle.signal(ticketSignal, await push(run, 'ticket-A'));
      await run.describedWhen(handle, (d) => d.version === 1, 'the first component token');
      // A newer ticket with a valid token: kept for the next refresh, no call now.
      await handle.signal(ticketSignal, await push(run, 'ticket-B'));
      await run.advance(SECOND);
      expect(run.callsOf('fetchComponentToken')).toHaveLength(1);

      // Two hours without pushes (within the three-hour validity): one scheduled refresh, with ticket B.
      await run.advance(2 * HOUR);
      const tickets = run.callsOf('fetchComponentToken').map((c) => c.input.ticket);
      expect(tickets).toEqual(['ticket-A', 'ticket-B']);
      expect(await run.token(handle)).toMatchObject({ status: 'active', accessToken: 'component-token-2' });
    });
  });

  it('shows the ticket stale after the silence threshold and expired past its validity (Douyin: nothing to restart)', async () => {
    let n = 0;
    await withScriptedWorker(env, { fetchComponentToken: () => minted(`component-token-${++n}`) }, async (run) => {
      const handle = await run.start(
        componentTokenWorkflow,
        'component/douyin/ttcomponentstal1',
        componentInput('douyin', 'ttcomponentstal1'),
      );
      await handle.signal(ticketSignal, await push(run, 'ticket-A'));
      await run.describedWhen(handle, (d) => d.version === 1, 'the first component token');

      await run.advance(STALE_AFTER - MINUTE);
      expect((await describeNow(run, handle)).ticket?.state).toBe('fresh');
      await run.advance(2 * MINUTE);
      const stale = await describeNow(run, handle);
      expect(stale.ticket?.state).toBe('stale');
      expect(stale.status).toBe('active'); // the token itself is fine

      await run.advance(VALIDITY);
      expect((await describeNow(run, handle)).ticket).toMatchObject({ state: 'expired', startPushCalls: 0 });
      expect(run.callsOf('startWechatPushTicket')).toEqual([]);

      // A new push makes it fresh again.
      await handle.signal(ticketSignal, await push(run, 'ticket-B'));
      expect((await describeNow(run, handle)).ticket?.state).toBe('fresh');
    });
  });

  it('WeChat: a silent push channel is nudged with api_start_push_ticket, again while silent, never once pushes resume', async () => {
    let n = 0;
    await withScriptedWorker(
      env,
      {
        fetchComponentToken: () => minted(`component-token-${++n}`),
        startWechatPushTicket: () => ({ errmsg: 'ok' }),
      },
      async (run) => {
        const handle = await run.start(
          componentTokenWorkflow,
          'component/wechat/wxcomponentnudge',
          componentInput('wechat', 'wxcomponentnudge'),
        );
        await handle.signal(ticketSignal, await push(run, 'ticket-A'));
        await run.describedWhen(handle, (d) => d.version === 1, 'the first component token');

        await run.advance(STALE_AFTER - MINUTE);
        expect(run.callsOf('startWechatPushTicket')).toHaveLength(0);
        await run.advance(2 * MINUTE);
        expect(run.callsOf('startWechatPushTicket').map((c) => c.input)).toEqual([
          { componentAppid: 'wxcomponentnudge', secretRef: { env: 'COMPONENT_SECRET' } },
        ]);
        // Still silent: nudged again, a quarter of the threshold later.
        await run.advance(STALE_AFTER / 4);
        expect(run.callsOf('startWechatPushTicket')).toHaveLength(2);
        expect((await run.describe(handle)).ticket).toMatchObject({ state: 'stale', startPushCalls: 2 });

        await handle.signal(ticketSignal, await push(run, 'ticket-B'));
        await run.advance(STALE_AFTER - MINUTE);
        expect(run.callsOf('startWechatPushTicket')).toHaveLength(2);
        expect((await run.describe(handle)).ticket?.state).toBe('fresh');
      },
    );
  });

  it('a rejected ticket is retried with backoff; the next push is tried at once and the rejected one never again', async () => {
    let n = 0;
    await withScriptedWorker(
      env,
      {
        fetchComponentToken: ({ ticket }) => {
          if (n > 0 && ticket === 'ticket-A') {
            throw platformFailure({
              platform: 'douyin',
              category: 'ticket_invalid',
              code: '40037',
              message: 'invalid ticket',
            });
          }
          return minted(`component-token-${++n}`);
        },
      },
      async (run) => {
        const handle = await run.start(
          componentTokenWorkflow,
          'component/douyin/ttcomponentbad01',
          componentInput('douyin', 'ttcomponentbad01'),
        );
        await handle.signal(ticketSignal, await push(run, 'ticket-A'));
        const first = await run.describedWhen(handle, (d) => d.version === 1, 'the first component token');
        // The scheduled refresh finds ticket A rejected: retried with growing backoff, until it is a minute or more.
        let d = first;
        do {
          await run.expectNextCallAt(d.nextRefreshAt!, 400);
          d = await run.describe(handle);
        } while (d.nextRefreshAt! - d.lastError!.at < MINUTE);
        expect(d).toMatchObject({ status: 'degraded', lastError: { category: 'ticket_invalid', code: '40037' } });
        expect(d.consecutiveFailures).toBeGreaterThanOrEqual(6);

        const pushedAt = await run.now();
        await handle.signal(ticketSignal, await push(run, 'ticket-B'));
        const recovered = await run.describedWhen(handle, (x) => x.version === 2, 'a token from the next push');
        expect(recovered).toMatchObject({ status: 'active', consecutiveFailures: 0 });
        const withB = run.callsOf('fetchComponentToken').filter((c) => c.input.ticket === 'ticket-B');
        expect(withB).toHaveLength(1);
        expect(withB[0].at - pushedAt).toBeLessThan(5 * SECOND); // not at the next backoff, a minute or more away

        await run.advance(4 * HOUR);
        const fetches = run.callsOf('fetchComponentToken');
        const after = fetches.slice(fetches.indexOf(withB[0]));
        expect(after.length).toBeGreaterThanOrEqual(3);
        expect(after.every((c) => c.input.ticket === 'ticket-B')).toBe(true);
      },
    );
  });

  it('orders tickets by their CreateTime: a late older push never replaces the held one, and age counts from creation', async () => {
    let n = 0;
    await withScriptedWorker(env, { fetchComponentToken: () => minted(`component-token-${++n}`) }, async (run) => {
      const handle = await run.start(
        componentTokenWorkflow,
        'component/douyin/ttcomponentord01',
        componentInput('douyin', 'ttcomponentord01'),
      );
      await handle.signal(ticketSignal, await push(run, 'ticket-new'));
      await run.describedWhen(handle, (d) => d.version === 1, 'the first component token');
      // A retry of a push from 20 minutes ago arrives now: dropped.
      await handle.signal(ticketSignal, await push(run, 'ticket-older', 20 * MINUTE));
      await run.advance(2 * HOUR);
      const tickets = run.callsOf('fetchComponentToken').map((c) => c.input.ticket);
      expect(tickets.length).toBeGreaterThanOrEqual(2);
      expect(tickets.every((t) => t === 'ticket-new')).toBe(true);

      // A first ticket delivered late is as old as its CreateTime says: stale at once, expired once its validity is up.
      const other = await run.start(
        componentTokenWorkflow,
        'component/douyin/ttcomponentord02',
        componentInput('douyin', 'ttcomponentord02'),
      );
      await other.signal(ticketSignal, await push(run, 'ticket-late', VALIDITY - 10 * MINUTE));
      await run.describedWhen(other, (d) => d.version === 1, 'a token from the late ticket');
      const late = await describeNow(run, other);
      expect(late.ticket).toMatchObject({ state: 'stale' });
      expect(late.ticket!.receivedAt! - late.ticket!.createdAt!).toBeGreaterThanOrEqual(
        VALIDITY - 10 * MINUTE - SECOND,
      );
      await run.advance(11 * MINUTE);
      expect((await describeNow(run, other)).ticket?.state).toBe('expired');
    });
  });
});
