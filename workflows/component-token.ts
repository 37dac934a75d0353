/**
 * componentTokenWorkflow: one per third-party platform (WeChat component, Douyin tpapp, Baidu TP),
 * ID `component/{platform}/{componentAppid}`. Keeps the last good pushed ticket for its validity,
 * obtains and refreshes the component (TP) token ahead of expiry with it, shows a silent push
 * channel as a stale ticket and, where the platform can (WeChat), asks it to restart pushes.
 * Platform differences are data (tp-platforms.ts). Started by configuration or the first ticket push.
 */
import {
  ApplicationFailure,
  patched,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { PLATFORM_CALL } from './activity-policies';
import { CredentialEntity, failureSummary, publishSettingsDigest, rethrowBug, type Attempt } from './credential-entity';
import { initialState, type CredentialState } from './credential-state';
import { componentWorkflowId } from './credential-ids';
import {
  componentSettingsSchema,
  configureComponentSignal,
  ticketPushSchema,
  ticketSignal,
  type ComponentSettings,
  type TicketInfo,
  type TicketState,
} from './messages';
import { replacesHeldTicket, ticketCreatedAt, ticketOrigin } from './push-order';
import { tpDescriptor, type TpPlatform } from './tp-platforms';
import { TicketStale } from './search-attributes';
import { ticketStaleAt } from './status-change';
import { setValidatedSignalHandler } from './validated-handlers';

export interface HeldTicket {
  value: string;
  /** Epoch ms (workflow time) the push was accepted. */
  receivedAt: number;
  /** Epoch ms the platform created it (push-order.ts); absent on tickets held before it was recorded. */
  createdAt?: number;
}

export interface ComponentTokenInput {
  platform: TpPlatform;
  componentAppid: string;
  settings: ComponentSettings;
  /** Carried over continue-as-new. */
  state?: CredentialState;
  ticket?: HeldTicket;
  ticketInfo?: Omit<TicketInfo, 'state' | 'ageMs' | 'receivedAt' | 'createdAt'>;
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
  // Platform time: a ticket delivered late (a retried push) is as old as its CreateTime says.
  const age = now - ticketOrigin(ticket);
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
      createdAt: ticket?.createdAt,
      ageMs: ticket ? now - ticketOrigin(ticket) : undefined,
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
        'ticket created': t.createdAt === undefined ? '—' : new Date(t.createdAt).toISOString(),
        'start-push calls': t.startPushCalls,
      };
    },
    details: () => ({ ticket: info() }),
    ops: () => (ticket ? { ticketReceivedAt: ticket.receivedAt } : { waitingForTicketSince: waitingSince }),
  });
  entity.registerHandlers();
  setValidatedSignalHandler(configureComponentSignal, componentSettingsSchema, (next) => {
    if (JSON.stringify(next) !== JSON.stringify(settings)) publishSettingsDigest(next.digest);
    settings = next;
  });
  setValidatedSignalHandler(ticketSignal, ticketPushSchema, (push) => {
    const receivedAt = Date.now();
    // Ordered by the platform's CreateTime: a ticket older than the one held (a late retry) is dropped.
    if (patched('ticket-platform-time')) {
      const createdAt = ticketCreatedAt(push.createTime, receivedAt);
      if (!replacesHeldTicket(ticket, createdAt)) return;
      ticket = { value: push.ticket, receivedAt, createdAt };
    } else {
      ticket = { value: push.ticket, receivedAt };
    }
    newTicket = true;
    nextStartPushAt = undefined;
  });

  const obtain = async (): Promise<Attempt> => {
    if (!ticket) throw ApplicationFailure.create({ type: 'NoTicket', message: 'no ticket' });
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

  // Staleness counts from the held ticket's creation (platform time), like its validity.
  const silenceStart = () => (ticket ? ticketOrigin(ticket) : waitingSince);
  // Platforms without a restart API only show the stale ticket (describe computes it when asked).
  const staleAt = () =>
    descriptor.canRestartPushes ? (nextStartPushAt ?? silenceStart() + settings.staleTicketAfterMs) : Infinity;

  // The TicketStale search attribute (a Web UI filter) and its webhook: set once the channel has been
  // silent for staleTicketAfterMs, cleared by the next push; upserted only when it flips.
  let staleShown = workflowInfo().typedSearchAttributes.get(TicketStale) === true;
  const showTicketStale = () => {
    if (!entity.opsAndWebhooks) return;
    const stale = ticketStaleAt(silenceStart(), settings.staleTicketAfterMs, Date.now());
    if (stale === staleShown) return;
    upsertSearchAttributes([{ key: TicketStale, value: stale }]);
    staleShown = stale;
    const silentS = Math.round((Date.now() - silenceStart()) / 1000);
    entity.notify({
      type: stale ? 'component.ticket_stale' : 'component.ticket_fresh',
      oldStatus: stale ? 'fresh' : 'stale',
      newStatus: stale ? 'stale' : 'fresh',
      reason: stale ? `no ${descriptor.ticketName} push for ${silentS} s` : `${descriptor.ticketName} pushes resumed`,
    });
  };
  /** When the channel turns stale if no push comes (a push wakes the loop and clears it). */
  const staleFlipAt = () =>
    staleShown || !entity.opsAndWebhooks ? Infinity : silenceStart() + settings.staleTicketAfterMs;

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
      rethrowBug(err);
      const failure = failureSummary(err, Date.now());
      outcome = `${failure.code}: ${failure.message}`;
    }
    counters = { startPushCalls: counters.startPushCalls + 1, lastStartPush: { at: Date.now(), outcome } };
    // Keep nudging while silent, a quarter of the silence threshold apart.
    nextStartPushAt = Date.now() + Math.max(1000, settings.staleTicketAfterMs / 4);
    entity.publish();
  };

  for (;;) {
    showTicketStale();
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
    const due = await entity.sleepUntilDue(() => newTicket, Math.min(staleAt(), staleFlipAt()));
    if (!due && !entity.hasPendingReport) continue;
    if (!hadTicket && !ticket) continue;
    await entity.refresh(obtain);
  }
}
