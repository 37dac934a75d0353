import { buildDouyinPush, type DouyinPushMessage } from '../../platforms/douyin/push-crypto';
import type { PlatformDialect } from '../core/http';
import type { SandboxCore } from '../core/state';
import { beijingDateTime } from '../tp-common/lifetimes';
import { PushChannel, type PushRecord } from '../tp-common/push-channel';
import { TicketSchedule } from '../tp-common/ticket-schedule';
import { douyinEnvelopeDialect, douyinFlatDialect } from './errors';
import { DouyinTpApp, type DouyinDurations } from './tp-app';

export interface CreateTpAppInput {
  componentAppid: string;
  componentSecret: string;
  token: string;
  encodingAESKey: string;
  callbackUrl?: string;
  durations?: Partial<DouyinDurations>;
}

/** All Douyin-side state of the sandbox: TP apps, their ticket timers, the push log. Cleared on reset. */
export class DouyinState {
  readonly apps = new Map<string, DouyinTpApp>();
  private readonly schedules = new Map<string, TicketSchedule>();
  readonly pushes: PushChannel;
  readonly envelopeDialect: PlatformDialect;
  readonly flatDialect: PlatformDialect = douyinFlatDialect();

  constructor(readonly core: SandboxCore) {
    this.pushes = new PushChannel(core, 'douyin');
    this.envelopeDialect = douyinEnvelopeDialect(core.rng, () => this.now());
    core.onReset(() => {
      for (const schedule of this.schedules.values()) schedule.pause();
      this.schedules.clear();
      this.apps.clear();
    });
  }

  now(): number {
    return this.core.clock.now();
  }

  createApp(input: CreateTpAppInput): DouyinTpApp {
    const app = new DouyinTpApp(
      input.componentAppid,
      input.componentSecret,
      input.token,
      input.encodingAESKey,
      input.callbackUrl,
      input.durations ?? {},
      this.core.rng,
      (seconds) => this.core.clock.duration(seconds),
    );
    this.apps.set(app.componentAppid, app);
    this.schedules.set(
      app.componentAppid,
      new TicketSchedule(
        this.core,
        () => app.durations.ticketInterval,
        () => this.pushTicket(app),
      ),
    );
    return app;
  }

  schedule(app: DouyinTpApp): TicketSchedule {
    const schedule = this.schedules.get(app.componentAppid);
    if (!schedule) throw new Error(`no schedule for ${app.componentAppid}`);
    return schedule;
  }

  /** The app a component token was issued by (live or not), for labelling calls and picking the error. */
  appByComponentToken(value: string | undefined): DouyinTpApp | undefined {
    if (!value) return undefined;
    for (const app of this.apps.values()) if (app.componentTokens.some((t) => t.value === value)) return app;
    return undefined;
  }

  appByAuthorizerToken(value: string | undefined): DouyinTpApp | undefined {
    if (!value) return undefined;
    for (const app of this.apps.values()) if (app.authorizerTokens.has(value)) return app;
    return undefined;
  }

  /** Issues a ticket and pushes it when a callback URL is configured. */
  pushTicket(app: DouyinTpApp): { ticket: string; push?: PushRecord } {
    const ticket = app.issueTicket(this.now());
    const push = this.send(app, 'ticket', {
      Ticket: ticket.value,
      FromUserName: 'ByteDanceMicroApp',
      CreateTime: beijingDateTime(this.now()),
      MsgType: 'Ticket',
      Event: 'PUSH',
    });
    return { ticket: ticket.value, push };
  }

  send(app: DouyinTpApp, kind: string, message: DouyinPushMessage): PushRecord | undefined {
    if (!app.callbackUrl) return undefined;
    const { body } = buildDouyinPush({
      token: app.token,
      encodingAESKey: app.encodingAESKey,
      tpAppid: app.componentAppid,
      message,
      timestamp: String(Math.floor(this.now() / 1000)),
      nonce: this.core.rng.digits(8),
      random: (size) => Buffer.from(this.core.rng.hex(size * 2), 'hex'),
    });
    return this.pushes.send({ appid: app.componentAppid, kind, url: app.callbackUrl, message, body });
  }
}
