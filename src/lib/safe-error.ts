import { pgErrorCode } from './errors.js';

/**
 * Drizzle puts a failed query's parameters in its error message ("params: …"): user input,
 * password hashes, tokens. Logs get the error without them.
 */
export function scrubQueryParams(text: string | undefined): string | undefined {
  return text?.replace(/\nparams: [\s\S]*?(?=\n\s+at |$)/g, '\nparams: [redacted]');
}

/** The log serializer for errors: type, message, code and stack, with query parameters removed. */
export function safeErrorSerializer(err: unknown): {
  type: string;
  message: string;
  stack: string;
  [key: string]: unknown;
} {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err), stack: '' };
  const cause =
    err.cause instanceof Error
      ? { type: err.cause.name, message: scrubQueryParams(err.cause.message), code: pgErrorCode(err.cause) }
      : undefined;
  return {
    type: err.name,
    message: scrubQueryParams(err.message) ?? '',
    code: pgErrorCode(err) ?? (err as { code?: unknown }).code,
    stack: scrubQueryParams(err.stack) ?? '',
    ...(cause ? { cause } : {}),
  };
}
