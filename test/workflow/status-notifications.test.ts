/**
 * Status-change notifications and the TicketStale search attribute, in the workflows themselves on
 * the time-skipping server (the delivery activity scripted): a credential entering and leaving
 * credential_invalid starts one notification each; a component's silent channel sets TicketStale
 * and notifies, a push clears it and notifies again; nothing is sent for changes between other statuses.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import { appTokenWorkflow, componentTokenWorkflow } from '../../workflows';
import { configureSignal, invalidateSignal, ticketSignal } from '../../workflows/messages';
import { TicketStale } from '../../workflows/search-attributes';
import type { StatusNotification } from '../../workflows/status-change';
import {
  createScriptedEnvironment,
  teardownScriptedEnvironment,
  minted,
  platformFailure,
  withScriptedWorker,
  HOUR,
  MINUTE,
} from '../harness/scripted-worker';
import { eventually } from '../harness/eventually';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await createScriptedEnvironment();
}, 60_000);
afterAll(() => teardownScriptedEnvironment(env));

/** A webhook that records what it is sent. */
function recordingWebhook() {
  const sent: StatusNotification[] = [];
  return {
    sent,
    script: {
      webhookTargetCount: () => 1,
      deliverWebhook: ({ notification }: { notification: StatusNotification }) => {
        sent.push(notification);
        return true;
      },
    },
  };
}

async function ticketStale(handle: WorkflowHandle): Promise<boolean | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(TicketStale);
}

describe('status notifications', () => {
  it('an app entering and leaving credential_invalid: one notification each, none for pending → active', async () => {
    const webhook = recordingWebhook();
    let secretFixed = false;
    await withScriptedWorker(
      env,
      {
        ...webhook.script,
        fetchWechatAppToken: () => {
          if (secretFixed) return minted('app-token');
          throw platformFailure({
            platform: 'wechat',
            category: 'credential_invalid',
            code: '40125',
            message: 'invalid appsecret',
          });
        },
      },
      async (run) => {
        const settings = { mode: 'basic' as const, secretRef: { env: 'WRONG' } };
        const handle = await run.start(appTokenWorkflow, 'app/wechat/wxnotify1', {
          platform: 'wechat',
          appid: 'wxnotify1',
          settings,
        });
        await eventually(() => webhook.sent.length === 1, 10_000, 'the credential_invalid notification');
        expect(webhook.sent[0]).toMatchObject({
          type: 'credential.status_changed',
          credentialId: 'app/wechat/wxnotify1',
          platform: 'wechat',
          kind: 'app',
          appid: 'wxnotify1',
          oldStatus: 'pending',
          newStatus: 'credential_invalid',
          reason: 'credential_invalid/40125: invalid appsecret',
        });
        expect(webhook.sent[0]!.id).toMatch(/^notify\/app\/wechat\/wxnotify1\//);

        secretFixed = true;
        await handle.signal(configureSignal, { ...settings, secretRef: { env: 'RIGHT' } });
        await eventually(() => webhook.sent.length === 2, 10_000, 'the leaving notification');
        expect(webhook.sent[1]).toMatchObject({ oldStatus: 'credential_invalid', newStatus: 'active' });
        expect(webhook.sent[1]!.id).not.toBe(webhook.sent[0]!.id);

        // Scheduled refreshes and a passive one (active → active): nothing more.
        await run.advance(2 * HOUR);
        await handle.signal(invalidateSignal, { version: (await run.token(handle)).version });
        await run.advance(MINUTE);
        expect(webhook.sent).toHaveLength(2);
      },
    );
  });

  it('a component: TicketStale set and notified when the channel goes silent, cleared and notified by a push', async () => {
    const webhook = recordingWebhook();
    await withScriptedWorker(
      env,
      { ...webhook.script, fetchComponentToken: () => minted('component-token') },
      async (run) => {
        const handle = await run.start(componentTokenWorkflow, 'component/douyin/ttnotify1', {
          platform: 'douyin',
          componentAppid: 'ttnotify1',
          settings: { secretRef: { env: 'S' }, ticketValidityMs: 3 * HOUR, staleTicketAfterMs: 30 * MINUTE },
        });
        const push = async (ticket: string) =>
          handle.signal(ticketSignal, { ticket, createTime: Math.floor((await run.now()) / 1000) });
        await push('ticket-A');
        await run.describedWhen(handle, (d) => d.version === 1, 'the first component token');
        await run.advance(29 * MINUTE);
        expect(await ticketStale(handle)).toBeUndefined();
        expect(webhook.sent).toEqual([]);

        await run.advance(2 * MINUTE);
        expect(await ticketStale(handle)).toBe(true);
        expect(webhook.sent).toEqual([
          expect.objectContaining({
            type: 'component.ticket_stale',
            kind: 'component',
            componentAppid: 'ttnotify1',
            oldStatus: 'fresh',
            newStatus: 'stale',
            reason: 'no component_ticket push for 1800 s',
          }),
        ]);

        await push('ticket-B');
        await eventually(async () => (await ticketStale(handle)) === false, 10_000, 'TicketStale = false after a push');
        await eventually(() => webhook.sent.length === 2, 10_000, 'the ticket_fresh notification');
        expect(webhook.sent[1]).toMatchObject({
          type: 'component.ticket_fresh',
          oldStatus: 'stale',
          newStatus: 'fresh',
        });
      },
    );
  });
});
