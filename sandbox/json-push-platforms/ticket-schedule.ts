import type { SandboxCore } from '../core/state';

/**
 * The platform's ticket push timer: a push right away on start, then every `intervalSeconds` of platform time.
 * Timers live on the sandbox clock, so manual `advance` fires them too.
 */
export class TicketSchedule {
  private timer: number | undefined;

  constructor(
    private readonly core: SandboxCore,
    private readonly intervalSeconds: () => number,
    private readonly push: () => void,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.tick();
  }

  pause(): void {
    if (this.timer !== undefined) this.core.clock.cancel(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    this.push();
    const at = this.core.clock.now() + this.core.clock.duration(this.intervalSeconds());
    this.timer = this.core.clock.schedule(at, () => this.tick());
  }
}
