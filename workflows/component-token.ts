/**
 * componentTokenWorkflow: one per third-party platform (WeChat component, Douyin tpapp, Baidu TP),
 * ID `component/{platform}/{componentAppid}`. Keeps the last good pushed ticket for its validity,
 * obtains and refreshes the component (TP) token ahead of expiry with it, shows a silent push
 * channel as a stale ticket and, where the platform can (WeChat), asks it to restart pushes.
 * Platform differences are data (tp-platforms.ts). Started by configuration or the first ticket push.
 */
import { proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { PLATFORM_CALL } from './activity-policies';
import { CredentialEntity, failureSummary, publishSettingsDigest, type Attempt } from './credential-entity';
import { initialState, type CredentialState } from './credential-state';
import { componentWorkflowId } from './credential-ids';
import {
  configureComponentSignal,
  ticketSignal,
  type ComponentSettings,
  type TicketInfo,
  type TicketState,
} from './messages';
import { tpDescriptor, type TpPlatform } from './tp-platforms';

export interface HeldTicket {
  value: string;
  /** Epoch ms (workflow time) the push was accepted. */
  receivedAt: number;
}

export interface ComponentTokenInput {
  platform: TpPlatform;
  componentAppid: string;
  settings: ComponentSettings;
  /** Carried over continue-as-new. */
  state?: CredentialState;
  ticket?: HeldTicket;
  ticketInfo?: Omit<TicketInfo, 'state' | 'ageMs' | 'receivedAt'>;
  /** When the silence began when no ticket ever arrived (epoch ms). */
  waitingSince?: number;
}

export const DEFAULT_TICKET_VALIDITY_MS = 12 * 60 * 60 * 1000;
/** Three missed pushes (every 10 min): the push service probably stopped. */
export const DEFAULT_STALE_TICKET_AFTER_MS = 30 * 60 * 1000;

const { fetchComponentToken, startWechatPushTicket } = proxyActivities<Activities>(PLATFORM_CALL);

/** The ticket's state at `now` (pure). */
export function ticketState(ticket: HeldTicket | undefined, settings: ComponentSettings, now: number): TicketState {
  if (!ticket) return 'missing';
  const age = now - ticket.receivedAt;
  if (age >= settings.ticketValidityMs) return 'expired';
  if (age >= settings.staleTicketAfterMs) return 'stale';
  return 'fresh';
}

export async function componentTokenWorkflow(input: ComponentTokenInput): Promise<void> {
  let settings = input.settings;
  let ticket = input.ticket;
  let newTicket = false;
  const waitingSince = input.waitingSince ?? Date.now();
  let counters = input.ticketInfo ?? { startPushCalls: 0 };
  /** Next time a stale channel is nudged with api_start_push_ticket. */
  let nextStartPushAt: number | undefined;
  const descriptor = tpDescriptor(input.platform);

  const info = (): TicketInfo => {
    const now = Date.now();
    return {
      state: ticketState(ticket, settings, now),
      receivedAt: ticket?.receivedAt,
      ageMs: ticket ? now - ticket.receivedAt : undefined,
      ...counters,
    };
  };
  const entity = new CredentialEntity(input.state ?? initialState(), {
    id: componentWorkflowId(input.platform, input.componentAppid),
    policy: () => descriptor.componentPolicy,
    settings: () => {
      const t = info();
      const ref = settings.secretRef;
      return {
        secret: !ref ? '—' : 'env' in ref ? `env:${ref.env}` : `file:${ref.file}`,
        ticket: t.state,
        'ticket kind': descriptor.ticketName,
        'ticket received': t.receivedAt === undefined ? '—' : new Date(t.receivedAt).toISOString(),
        'start-push calls': t.startPushCalls,
      };
    },
    details: () => ({ ticket: info() }),
  });
  entity.registerHandlers();
  setHandler(configureComponentSignal, (next) => {
    if (JSON.stringify(next) !== JSON.stringify(settings)) publishSettingsDigest(next.digest);
    settings = next;
  });
  setHandler(ticketSignal, (push) => {
    if (!push?.ticket) return;
    ticket = { value: push.ticket, receivedAt: Date.now() };
    newTicket = true;
    nextStartPushAt = undefined;
  });

  const obtain = async (): Promise<Attempt> => {
    if (!ticket) throw new Error('no ticket');
    const obtained = await fetchComponentToken.executeWithOptions(
      { ...PLATFORM_CALL, summary: `${input.platform} component token for ${input.componentAppid}` },
      [
        {
          platform: input.platform,
          componentAppid: input.componentAppid,
          secretRef: settings.secretRef,
          ticket: ticket.value,
        },
      ],
    );
    return { obtained };
  };

  const silenceStart = () => ticket?.receivedAt ?? waitingSince;
  // Platforms without a restart API only show the stale ticket (describe computes it when asked).
  const staleAt = () =>
    descriptor.canRestartPushes ? (nextStartPushAt ?? silenceStart() + settings.staleTicketAfterMs) : Infinity;

  const nudgePushes = async () => {
    if (!settings.secretRef) return;
    let outcome: string;
    try {
      const result = await startWechatPushTicket.executeWithOptions(
        { ...PLATFORM_CALL, summary: 'api_start_push_ticket' },
        [{ componentAppid: input.componentAppid, secretRef: settings.secretRef }],
      );
      outcome = result.errmsg || 'ok';
    } catch (err) {
      const failure = failureSummary(err, Date.now());
      outcome = `${failure.code}: ${failure.message}`;
    }
    counters = { startPushCalls: counters.startPushCalls + 1, lastStartPush: { at: Date.now(), outcome } };
    // Keep nudging while silent, a quarter of the silence threshold apart.
    nextStartPushAt = Date.now() + Math.max(1000, settings.staleTicketAfterMs / 4);
    entity.publish();
  };

  for (;;) {
    const hadTicket = ticket !== undefined;
    const needsToken = !entity.state.token || entity.state.consecutiveFailures > 0;
    if (newTicket) {
      newTicket = false;
      entity.publish();
      // A first ticket, or one after ticket errors: try at once instead of waiting for the timer.
      if (needsToken && entity.state.status !== 'credential_invalid') {
        await entity.refresh(obtain);
        continue;
      }
    }
    // Considered on every pass, not only before a refresh: a 30-day Baidu TP token sees thousands
    // of ticket pushes between two refreshes.
    if (!entity.hasPendingReport && (await entity.shouldContinueAsNew()) && !newTicket) {
      await entity.continueAsNew<typeof componentTokenWorkflow>({
        ...input,
        settings,
        state: entity.state,
        ticket,
        ticketInfo: counters,
        waitingSince,
      });
    }
    if (Date.now() >= staleAt()) {
      await nudgePushes();
      continue;
    }
    const due = await entity.sleepUntilDue(() => newTicket, staleAt());
    if (!due && !entity.hasPendingReport) continue;
    if (!hadTicket && !ticket) continue;
    await entity.refresh(obtain);
  }
}
