/**
 * A fixed-window call counter (daily or per-minute quota). Windows are anchored at the counter's
 * creation, not at midnight, so a test never straddles a boundary by accident; their length is a
 * platform duration and so shrinks with the time scale.
 */
export class WindowCounter {
  private windowIndex = 0;
  private used = 0;

  constructor(private readonly anchor: number) {}

  /** Count one call if `limit` allows it; false = quota exhausted. */
  tryConsume(now: number, windowMs: number, limit: number): boolean {
    this.roll(now, windowMs);
    if (this.used >= limit) return false;
    this.used++;
    return true;
  }

  usedIn(now: number, windowMs: number): number {
    this.roll(now, windowMs);
    return this.used;
  }

  reset(): void {
    this.used = 0;
  }

  private roll(now: number, windowMs: number): void {
    const index = Math.floor((now - this.anchor) / windowMs);
    if (index !== this.windowIndex) {
      this.windowIndex = index;
      this.used = 0;
    }
  }
}
