import { CallLog } from './call-log';
import { SandboxClock, type ClockMode } from './clock';
import { FaultStore } from './faults';
import { randomSeed, SeededRng } from './rng';

export interface CoreOptions {
  timeScale?: number;
  manualClock?: boolean;
  seed?: number;
}

/**
 * The state every platform module shares: one clock, one rng, one fault store, one call log.
 * Platform modules keep their own state and register a reset hook so /__sandbox/reset clears it.
 */
export class SandboxCore {
  readonly clock: SandboxClock;
  readonly rng: SeededRng;
  readonly faults = new FaultStore();
  readonly calls = new CallLog();
  private resetHooks: Array<() => void> = [];
  private closeHooks: Array<() => Promise<void> | void> = [];

  constructor(options: CoreOptions = {}) {
    const mode: ClockMode = options.manualClock ? 'manual' : 'real';
    this.clock = new SandboxClock({ timeScale: options.timeScale ?? 1, mode });
    this.rng = new SeededRng(options.seed ?? randomSeed());
  }

  /** Called by /__sandbox/reset after the core's own faults, logs and timers are cleared. */
  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
  }

  onClose(hook: () => Promise<void> | void): void {
    this.closeHooks.push(hook);
  }

  reset(): void {
    this.faults.clear();
    this.calls.clear();
    this.clock.cancelAll();
    for (const hook of this.resetHooks) hook();
  }

  async close(): Promise<void> {
    this.clock.cancelAll();
    for (const hook of this.closeHooks) await hook();
  }
}
