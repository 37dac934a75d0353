import { buildBaiduPush, type BaiduPushMessage } from '../../platforms/baidu/push-crypto';
import type { SandboxCore } from '../core/state';
import { PushChannel, type PushRecord } from '../tp-common/push-channel';
import { TicketSchedule } from '../tp-common/ticket-schedule';
import { baiduOAuthDialect, baiduSmartappDialect } from './errors';
import { BaiduTpApp, type BaiduDurations, type BaiduRules } from './tp-app';

export interface CreateBaiduTpInput {
  clientId: string;
  tpAppId: number;
  token: string;
  encodingAESKey: string;
  callbackUrl?: string;
  durations?: Partial<BaiduDurations>;
  rules?: Partial<BaiduRules>;
}

/** All Baidu-side state of the sandbox: TPs, their ticket timers, the push log. Cleared on reset. */
export class BaiduState {
  readonly apps = new Map<string, BaiduTpApp>();
  private readonly schedules = new Map<string, TicketSchedule>();
  readonly pushes: PushChannel;
  readonly smartapp = baiduSmartappDialect();
  readonly oauth = baiduOAuthDialect();

  constructor(readonly core: SandboxCore) {
    this.pushes = new PushChannel(core, 'baidu');
    core.onReset(() => {
      for (const schedule of this.schedules.values()) schedule.pause();
      this.schedules.clear();
      this.apps.clear();
    });
  }

  now(): number {
    return this.core.clock.now();
  }

  createApp(input: CreateBaiduTpInput): BaiduTpApp {
    const app = new BaiduTpApp(
      input.clientId,
      input.tpAppId,
      input.token,
      input.encodingAESKey,
      input.callbackUrl,
      input.durations ?? {},
      input.rules ?? {},
      this.core.rng,
      (seconds) => this.core.clock.duration(seconds),
    );
    this.apps.set(app.clientId, app);
    const schedule = new TicketSchedule(
      this.core,
      () => app.durations.ticketInterval,
      () => this.pushTicket(app),
    );
    this.schedules.set(app.clientId, schedule);
    return app;
  }

  schedule(app: BaiduTpApp): TicketSchedule {
    const schedule = this.schedules.get(app.clientId);
    if (!schedule) throw new Error(`no schedule for ${app.clientId}`);
    return schedule;
  }

  appByTpToken(value: string | undefined): BaiduTpApp | undefined {
    if (!value) return undefined;
    for (const app of this.apps.values()) if (app.tpTokens.some((t) => t.value === value)) return app;
    return undefined;
  }

  appByAuthorizerToken(value: string | undefined): BaiduTpApp | undefined {
    if (!value) return undefined;
    for (const app of this.apps.values()) if (app.authorizerTokens.has(value)) return app;
    return undefined;
  }

  pushTicket(app: BaiduTpApp): { ticket: string; push?: PushRecord } {
    const ticket = app.issueTicket(this.now());
    const push = this.send(app, 'ticket', {
      Ticket: ticket.value,
      FromUserName: 'SmartAPP',
      CreateTime: Math.floor(this.now() / 1000),
      MsgType: 'ticket',
      Event: 'push',
    });
    return { ticket: ticket.value, push };
  }

  send(app: BaiduTpApp, kind: string, message: BaiduPushMessage): PushRecord | undefined {
    if (!app.callbackUrl) return undefined;
    const { body } = buildBaiduPush({
      token: app.token,
      encodingAESKey: app.encodingAESKey,
      clientId: app.clientId,
      message,
      timestamp: String(Math.floor(this.now() / 1000)),
      nonce: this.core.rng.digits(7),
      random: (size) => Buffer.from(this.core.rng.hex(size * 2), 'hex'),
    });
    return this.pushes.send({ appid: app.clientId, kind, url: app.callbackUrl, message, body });
  }
}
