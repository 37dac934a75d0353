import { buildBaiduPush, type BaiduPushMessage } from '../../platforms/baidu/push-crypto';
import type { SandboxCore } from '../core/state';
import type { PushRecord } from '../json-push-platforms/push-channel';
import { JsonPushPlatformState } from '../json-push-platforms/platform-state';
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
export class BaiduState extends JsonPushPlatformState<BaiduTpApp> {
  readonly smartapp = baiduSmartappDialect();
  readonly oauth = baiduOAuthDialect();

  constructor(core: SandboxCore) {
    super(core, 'baidu', (app) => app.clientId);
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
    return this.register(app);
  }

  appByTpToken(value: string | undefined): BaiduTpApp | undefined {
    if (!value) return undefined;
    for (const app of this.apps.values()) if (app.tpTokens.some((t) => t.value === value)) return app;
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
