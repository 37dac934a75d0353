import { z } from 'zod';

/**
 * `malformed` answers garbage before the operation runs (nothing done); `drop_response` and
 * `garble_response` perform it (tokens minted, codes consumed) and then lose the answer: the socket is
 * destroyed, or an unreadable HTTP 200 body comes back.
 */
export const FAULT_KINDS = [
  'latency',
  'http5xx',
  'busy',
  'malformed',
  'reset',
  'drop_response',
  'garble_response',
  'error',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultSpecSchema = z
  .object({
    /** Endpoint path without query, e.g. '/cgi-bin/stable_token'. */
    path: z.string().min(1),
    kind: z.enum(FAULT_KINDS),
    /** Only requests for this appid (or component appid) are hit. */
    appid: z.string().min(1).optional(),
    /** How many requests are hit; absent = until cleared. */
    times: z.number().int().positive().optional(),
    /** latency: real milliseconds to wait before answering normally (not scaled: it is network time). */
    latencyMs: z.number().int().nonnegative().optional(),
    /** http5xx: status to answer, default 502. */
    status: z.number().int().min(500).max(599).optional(),
    /** error: the platform error code to answer. */
    code: z.number().int().optional(),
    /** error: overrides the platform's usual message for `code`. */
    message: z.string().optional(),
  })
  .refine((f) => f.kind !== 'error' || f.code !== undefined, { message: "kind 'error' needs a code" });

export type FaultSpec = z.infer<typeof faultSpecSchema>;
export interface Fault extends FaultSpec {
  id: string;
  /** Requests hit so far. */
  hits: number;
}

/** Faults armed per endpoint path; the oldest matching fault wins. */
export class FaultStore {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: `f${this.nextId++}`, hits: 0 };
    this.faults.push(fault);
    return fault;
  }

  remove(id: string): boolean {
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length !== before;
  }

  clear(): void {
    this.faults = [];
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The fault that hits this request, consuming one of its `times`. */
  take(path: string, appid: string | undefined): Fault | undefined {
    const fault = this.faults.find((f) => f.path === path && (f.appid === undefined || f.appid === appid));
    if (!fault) return undefined;
    fault.hits++;
    if (fault.times !== undefined && fault.hits >= fault.times) this.remove(fault.id);
    return { ...fault };
  }
}
