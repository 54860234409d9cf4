/**
 * Errors that mean the database could not be reached, or did not answer in time: nothing the
 * request did wrong, and the same request may succeed shortly. The service answers them with 503.
 */

/** Socket errors on the way to the server. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs: class 08 (connection exception), the server shutting down or starting (57P01–57P03),
 * too many connections (53300), and a statement cancelled by statement_timeout (57014).
 */
function isUnavailableSqlState(code: string): boolean {
  return code.startsWith('08') || ['57P01', '57P02', '57P03', '53300', '57014'].includes(code);
}

/** What node-postgres and its pool say, without a code, when a connection fails or hangs. */
const DRIVER_MESSAGES = [
  /timeout exceeded when trying to connect/i,
  /^Connection terminated/i,
  /^Query read timeout$/i,
  /is not queryable/i,
  /^Cannot use a pool after calling end/i,
];

/** True when the error, or one it wraps (drizzle wraps the driver's), is the database being away. */
export function isDatabaseUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (NETWORK_CODES.has(code) || isUnavailableSqlState(code))) return true;
    if (typeof message === 'string' && DRIVER_MESSAGES.some((pattern) => pattern.test(message))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** The innermost cause's code and message, for a log line without a stack. */
export function describeUnavailability(err: unknown): { code?: string; message: string } {
  let current: unknown = err;
  for (let depth = 0; depth < 5; depth++) {
    const cause = (current as { cause?: unknown } | undefined)?.cause;
    if (!cause) break;
    current = cause;
  }
  const { code, message } = (current ?? {}) as { code?: unknown; message?: unknown };
  return {
    ...(typeof code === 'string' ? { code } : {}),
    message: typeof message === 'string' ? message : String(current),
  };
}
