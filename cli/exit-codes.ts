/**
 * The CLI's exit codes, for scripts: 0 ok, 1 usage (bad arguments or a request the API refused
 * as malformed), 2 not found, 3 unavailable (Temporal or the gateway unreachable or busy, or no
 * valid token), 4 refused (API key missing, out of scope or rate-limited), 5 anything else.
 * Errors go to stderr as one line (`--json`: `{"error": {"code", "message"}}`).
 */
import { ZodError } from 'zod';

export const EXIT = { ok: 0, usage: 1, notFound: 2, unavailable: 3, refused: 4, failed: 5 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as is, with its exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(EXIT.usage, 'usage', message);

const GRPC_UNAVAILABLE = 14;
const GRPC_RESOURCE_EXHAUSTED = 8;
const GRPC_DEADLINE_EXCEEDED = 4;
const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let cause = err; typeof cause === 'object' && cause !== null && chain.length < 6;) {
    chain.push(cause);
    cause = (cause as { cause?: unknown }).cause;
  }
  return chain;
}

/** Any error → what the CLI prints and exits with. Messages never carry a token or key. */
export function classify(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof ZodError) {
    const message = err.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ');
    return new CliError(EXIT.usage, 'bad_request', message);
  }
  // By name, not instanceof: classifying must not load the Temporal client (`--help` stays fast).
  const name = (err as { name?: unknown } | undefined)?.name;
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'InvalidPageTokenError') return new CliError(EXIT.usage, 'bad_request', message);
  if (name === 'CredentialNotFoundError') return new CliError(EXIT.notFound, 'not_found', message);
  if (name === 'TokenUnavailableError') return new CliError(EXIT.unavailable, 'token_unavailable', message);
  if (name === 'GatewayError') {
    const { statusCode, code } = err as { statusCode: number; code: string };
    if (statusCode === 404) return new CliError(EXIT.notFound, code, message);
    if (statusCode === 401 || statusCode === 403 || statusCode === 429)
      return new CliError(EXIT.refused, code, message);
    if (statusCode >= 400 && statusCode < 500) return new CliError(EXIT.usage, code, message);
    if (statusCode === 503) return new CliError(EXIT.unavailable, code, message);
    return new CliError(EXIT.failed, code, message);
  }
  for (const cause of causeChain(err)) {
    const code = (cause as { code?: unknown }).code;
    const causeName = (cause as { name?: unknown }).name;
    if (causeName === 'WorkflowNotFoundError')
      return new CliError(EXIT.notFound, 'not_found', (cause as Error).message);
    if (code === GRPC_UNAVAILABLE || code === GRPC_DEADLINE_EXCEEDED || code === GRPC_RESOURCE_EXHAUSTED) {
      return new CliError(EXIT.unavailable, 'unavailable', `Temporal unavailable: ${(cause as Error).message}`);
    }
    if (typeof code === 'string' && CONNECTION_ERRORS.has(code)) {
      return new CliError(EXIT.unavailable, 'unavailable', `cannot connect: ${(cause as Error).message || code}`);
    }
    if (causeName === 'TransportError') {
      return new CliError(EXIT.unavailable, 'unavailable', `cannot connect to Temporal: ${(cause as Error).message}`);
    }
  }
  return new CliError(EXIT.failed, 'failed', message);
}
