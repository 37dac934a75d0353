import { request } from 'undici';
import type { SandboxCore } from '../core/state';

/** Retry delays in platform seconds (scaled by the clock); the last one repeats until maxAttempts. */
export const DEFAULT_RETRY_DELAYS = [5, 15, 30, 60, 120, 300];
export const DEFAULT_MAX_ATTEMPTS = 10;
/** Real milliseconds: network time, not platform time, so it is not scaled. */
const DELIVERY_TIMEOUT_MS = 5_000;

export interface PushAttempt {
  at: number;
  /** HTTP status, 0 when the request failed (refused, timed out). */
  status: number;
  /** The first 200 characters of the answer. */
  answer: string;
  error?: string;
}

export interface PushRecord {
  id: string;
  platform: string;
  /** Component appid / client_id of the TP app the push belongs to. */
  appid: string;
  kind: string;
  url: string;
  /** The decrypted payload, for tests and demos. */
  message: unknown;
  /** The exact encrypted body POSTed. */
  body: string;
  createdAt: number;
  attempts: PushAttempt[];
  /** Answered with exactly `success`. */
  delivered: boolean;
  /** maxAttempts reached without `success`. */
  gaveUp: boolean;
}

export interface PushRequest {
  appid: string;
  kind: string;
  url: string;
  message: unknown;
  body: string;
}

/**
 * Delivers encrypted pushes to a TP's callback URL like the platforms do: POST, expect exactly `success`,
 * otherwise retry later on the sandbox clock. Keeps a log of every push and attempt.
 */
export class PushChannel {
  private records: PushRecord[] = [];
  private nextId = 1;
  /** Per app: how many more answers to lose (the receiver answered, the platform never saw it). */
  private readonly answersToLose = new Map<string, number>();
  /** Bumped on reset so answers to requests sent before it are ignored. */
  private generation = 0;

  constructor(
    private readonly core: SandboxCore,
    readonly platform: string,
    private readonly retryDelays: readonly number[] = DEFAULT_RETRY_DELAYS,
    private readonly maxAttempts: number = DEFAULT_MAX_ATTEMPTS,
  ) {
    core.onReset(() => {
      this.records = [];
      this.answersToLose.clear();
      this.generation++;
    });
    core.onClose(() => {
      this.generation++;
    });
  }

  send(push: PushRequest): PushRecord {
    const record: PushRecord = {
      ...push,
      id: `${this.platform}-push-${this.nextId++}`,
      platform: this.platform,
      createdAt: this.core.clock.now(),
      attempts: [],
      delivered: false,
      gaveUp: false,
    };
    this.records.push(record);
    void this.attempt(record, this.generation);
    return record;
  }

  /**
   * The next `count` answers to `appid`'s pushes are lost on the way back: the receiver got the push
   * and answered, but the platform retries it as it was (the same body), as after a dropped connection.
   */
  loseAnswers(appid: string, count: number): void {
    if (count > 0) this.answersToLose.set(appid, count);
    else this.answersToLose.delete(appid);
  }

  list(filter: { appid?: string; kind?: string } = {}): PushRecord[] {
    return this.records.filter(
      (r) =>
        (filter.appid === undefined || r.appid === filter.appid) &&
        (filter.kind === undefined || r.kind === filter.kind),
    );
  }

  private async attempt(record: PushRecord, generation: number): Promise<void> {
    const at = this.core.clock.now();
    let attempt: PushAttempt;
    try {
      const response = await request(record.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: record.body,
        headersTimeout: DELIVERY_TIMEOUT_MS,
        bodyTimeout: DELIVERY_TIMEOUT_MS,
      });
      const answer = await response.body.text();
      attempt = { at, status: response.statusCode, answer: answer.slice(0, 200) };
      const lose = this.answersToLose.get(record.appid) ?? 0;
      if (lose > 0) {
        this.loseAnswers(record.appid, lose - 1);
        attempt.error = 'answer lost (sandbox)';
      } else {
        // Exactly `success`: a JSON string "success" or a padded one is not accepted (docs/platforms.md §3.1).
        record.delivered = response.statusCode === 200 && answer === 'success';
      }
    } catch (err) {
      attempt = { at, status: 0, answer: '', error: err instanceof Error ? err.message : String(err) };
    }
    if (generation !== this.generation) return;
    record.attempts.push(attempt);
    if (record.delivered) return;
    if (record.attempts.length >= this.maxAttempts) {
      record.gaveUp = true;
      return;
    }
    const delay = this.retryDelays[Math.min(record.attempts.length - 1, this.retryDelays.length - 1)];
    this.core.clock.schedule(this.core.clock.now() + this.core.clock.duration(delay), () => {
      if (generation === this.generation) void this.attempt(record, generation);
    });
  }
}
