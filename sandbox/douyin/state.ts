import { buildDouyinPush, type DouyinPushMessage } from '../../platforms/douyin/push-crypto';
import type { PlatformDialect } from '../core/http';
import type { SandboxCore } from '../core/state';
import { beijingDateTime } from '../json-push-platforms/lifetimes';
import type { PushRecord } from '../json-push-platforms/push-channel';
import { JsonPushPlatformState } from '../json-push-platforms/platform-state';
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
export class DouyinState extends JsonPushPlatformState<DouyinTpApp> {
  readonly envelopeDialect: PlatformDialect;
  readonly flatDialect: PlatformDialect = douyinFlatDialect();

  constructor(core: SandboxCore) {
    super(core, 'douyin', (app) => app.componentAppid);
    this.envelopeDialect = douyinEnvelopeDialect(core.rng, () => this.now());
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
    return this.register(app);
  }

  /** The app a component token was issued by (live or not), for labelling calls and picking the error. */
  appByComponentToken(value: string | undefined): DouyinTpApp | undefined {
    if (!value) return undefined;
    for (const app of this.apps.values()) if (app.componentTokens.some((t) => t.value === value)) return app;
    return undefined;
  }

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
