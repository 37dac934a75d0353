export type ClockMode = 'real' | 'manual';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * The sandbox's notion of time. Platform durations are divided by `timeScale` (a 7200 s token
 * lives 7.2 s at scale 1000); the clock itself ticks at real speed in `real` mode and only moves
 * through `advance()` in `manual` mode. Timers (ticket pushes, retries) fire on this clock.
 */
export class SandboxClock {
  private mode: ClockMode;
  private scale: number;
  /** real mode: now = Date.now() + offset. */
  private offset = 0;
  /** manual mode: the frozen current time. */
  private frozen: number;
  private timers: Timer[] = [];
  private nextId = 1;
  private realTimer: NodeJS.Timeout | undefined;
  private firing = false;

  constructor(options: { timeScale?: number; mode?: ClockMode; start?: number } = {}) {
    this.scale = validScale(options.timeScale ?? 1);
    this.mode = options.mode ?? 'real';
    this.frozen = options.start ?? Date.now();
    if (options.start !== undefined) this.offset = options.start - Date.now();
  }

  now(): number {
    return this.mode === 'manual' ? this.frozen : Date.now() + this.offset;
  }

  get timeScale(): number {
    return this.scale;
  }

  get clockMode(): ClockMode {
    return this.mode;
  }

  /** A platform duration in seconds, as sandbox milliseconds (exact, may be fractional). */
  duration(platformSeconds: number): number {
    return (platformSeconds * 1000) / this.scale;
  }

  /** What an `expires_in` field reports for `ms` left: whole seconds, floor, at least 1. */
  static expiresIn(ms: number): number {
    return Math.max(1, Math.floor(ms / 1000));
  }

  setTimeScale(scale: number): void {
    this.scale = validScale(scale);
  }

  setMode(mode: ClockMode): void {
    if (mode === this.mode) return;
    const now = this.now();
    this.mode = mode;
    if (mode === 'manual') this.frozen = now;
    else this.offset = now - Date.now();
    this.rearm();
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('advance: ms must be >= 0');
    if (this.mode === 'manual') this.frozen += ms;
    else this.offset += ms;
    this.fireDue();
    this.rearm();
  }

  /** Run `fn` when the sandbox clock reaches `at`. Returns an id for `cancel`. */
  schedule(at: number, fn: () => void): number {
    const timer = { id: this.nextId++, at, fn };
    this.timers.push(timer);
    this.timers.sort((a, b) => a.at - b.at || a.id - b.id);
    if (!this.firing) this.rearm();
    return timer.id;
  }

  cancel(id: number): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  cancelAll(): void {
    this.timers = [];
    this.rearm();
  }

  /** Fire every due timer in time order, including ones scheduled by timers that just fired. */
  private fireDue(): void {
    if (this.firing) return;
    this.firing = true;
    try {
      for (;;) {
        const first = this.timers[0];
        if (!first || first.at > this.now()) break;
        this.timers.shift();
        try {
          first.fn();
        } catch {
          // a timer's failure must not stop the clock
        }
      }
    } finally {
      this.firing = false;
    }
  }

  private rearm(): void {
    if (this.realTimer) clearTimeout(this.realTimer);
    this.realTimer = undefined;
    const first = this.timers[0];
    if (!first || this.mode === 'manual') return;
    const delay = Math.max(0, Math.min(first.at - this.now(), 2 ** 31 - 1));
    this.realTimer = setTimeout(() => {
      this.realTimer = undefined;
      this.fireDue();
      this.rearm();
    }, delay);
    this.realTimer.unref();
  }
}

function validScale(scale: number): number {
  if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError('timeScale must be a positive number');
  return scale;
}
