import type { SandboxCore } from '../core/state';
import { PushChannel, type PushRecord } from './push-channel';
import { TicketSchedule } from './ticket-schedule';

/** What the shared state needs of a platform's TP app. */
export interface JsonPushAppLike {
  readonly durations: { ticketInterval: number };
  readonly authorizerTokens: ReadonlyMap<string, unknown>;
}

/**
 * State every JSON-push TP platform of the sandbox (Douyin, Baidu) keeps: TP apps by id, one ticket
 * timer each, the push log. Cleared on reset. Subclasses add how tickets and pushes look.
 */
export abstract class JsonPushPlatformState<App extends JsonPushAppLike> {
  readonly apps = new Map<string, App>();
  private readonly schedules = new Map<string, TicketSchedule>();
  readonly pushes: PushChannel;

  constructor(
    readonly core: SandboxCore,
    platform: string,
    private readonly idOf: (app: App) => string,
  ) {
    this.pushes = new PushChannel(core, platform);
    core.onReset(() => {
      for (const schedule of this.schedules.values()) schedule.pause();
      this.schedules.clear();
      this.apps.clear();
    });
  }

  now(): number {
    return this.core.clock.now();
  }

  /** Keeps a new app and its ticket timer (not started). */
  protected register(app: App): App {
    const id = this.idOf(app);
    this.apps.set(id, app);
    this.schedules.set(
      id,
      new TicketSchedule(
        this.core,
        () => app.durations.ticketInterval,
        () => this.pushTicket(app),
      ),
    );
    return app;
  }

  schedule(app: App): TicketSchedule {
    const schedule = this.schedules.get(this.idOf(app));
    if (!schedule) throw new Error(`no schedule for ${this.idOf(app)}`);
    return schedule;
  }

  appByAuthorizerToken(value: string | undefined): App | undefined {
    if (!value) return undefined;
    for (const app of this.apps.values()) if (app.authorizerTokens.has(value)) return app;
    return undefined;
  }

  /** Issues a ticket and pushes it when a callback URL is configured. */
  abstract pushTicket(app: App): { ticket: string; push?: PushRecord };
}
