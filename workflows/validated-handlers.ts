/**
 * Message handlers that parse their argument with the message's schema (workflows/messages.ts)
 * before anything is stored: anyone holding the codec keys can send any payload, and a malformed
 * one must neither change state nor fail the workflow task (a failure loop). A bad signal is
 * ignored with a log line, a bad update refused by its validator. Neither echoes the payload,
 * which may hold tokens: only the paths and kinds of the problems.
 */
import type { SignalDefinition, UpdateDefinition } from '@temporalio/common';
import { log, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';

/** The problems of a failed parse, without the values: `version: invalid_type; reason: too_big`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(argument)'}: ${issue.code}`)
    .join('; ');
}

/** Handles `signal` with the parsed argument; a message that does not parse is logged and dropped. */
export function setValidatedSignalHandler<T>(
  signal: SignalDefinition<[T]>,
  schema: z.ZodType<T>,
  handler: (message: T) => void,
): void {
  setHandler(signal, (...args: unknown[]) => {
    const parsed = schema.safeParse(args[0]);
    if (!parsed.success) {
      log.warn('ignored a malformed signal', { signal: signal.name, problems: describeIssues(parsed.error) });
      return;
    }
    handler(parsed.data);
  });
}

/**
 * Handles `update` with the parsed argument. The validator refuses a malformed one before it is
 * written to history, so the caller gets an error and the workflow sees nothing.
 */
export function setValidatedUpdateHandler<Ret, T>(
  update: UpdateDefinition<Ret, [T]>,
  schema: z.ZodType<T>,
  handler: (message: T) => Promise<Ret>,
): void {
  setHandler(update, (...args: unknown[]) => handler(schema.parse(args[0])), {
    validator: (...args: unknown[]) => {
      const parsed = schema.safeParse(args[0]);
      if (!parsed.success) throw new Error(`malformed ${update.name} argument (${describeIssues(parsed.error)})`);
    },
  });
}
