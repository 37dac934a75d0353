/**
 * Reading a platform's JSON answer into data or a classified PlatformError. The platforms name
 * their envelopes' fields differently; what is done with them is the same.
 */
import type { z } from 'zod';
import { PlatformError, type ErrorCategory } from './errors';

/** Whose answers these are. */
export interface AnswerSource {
  platform: string;
}

/** An error answer's code and message, under whatever names the platform gives them. */
export interface ErrorAnswer {
  code: number;
  message: string;
}

/** Throws the classified PlatformError when `body` reads as an error answer (`schema`) with a non-zero code. */
export function throwIfErrorAnswer(
  source: AnswerSource,
  body: unknown,
  schema: z.ZodType<ErrorAnswer>,
  classify: (code: number) => ErrorCategory,
): void {
  const error = schema.safeParse(body);
  if (error.success && error.data.code !== 0) {
    throw new PlatformError({
      platform: source.platform,
      category: classify(error.data.code),
      code: String(error.data.code),
      message: error.data.message,
    });
  }
}

/**
 * An answer that is neither the expected success nor a recognised error: transient, and ambiguous on
 * every platform, since the platform may have acted on the request behind it (a single-use refresh
 * token or code consumed): it is never re-sent, it goes to recovery.
 */
export function malformedAnswer(source: AnswerSource, message: string): PlatformError {
  return new PlatformError({
    platform: source.platform,
    category: 'retry_later',
    code: 'malformed',
    message,
    ambiguous: true,
  });
}

/** `value` read with `schema`, or a malformed-answer error naming the fields that do not fit (never their values). */
export function parseAnswer<T>(source: AnswerSource, value: unknown, schema: z.ZodType<T>, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw malformedAnswer(source, `${what}: ${parsed.error.issues.map((issue) => issue.path.join('.')).join(', ')}`);
  }
  return parsed.data;
}
