/** Transport-neutral errors: services throw these; the error plugin turns them into problem+json. */
export interface FieldError {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, errors: FieldError[] = []) {
    super(400, 'validation_failed', message, { errors });
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication is required.') {
    super(401, 'unauthenticated', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'You are not allowed to do this.') {
    super(403, 'forbidden', message);
  }
}

export class NotFoundError extends AppError {
  constructor(what = 'Resource') {
    super(404, 'not_found', `${what} not found.`);
  }
}

export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

export class InvalidStateError extends AppError {
  constructor(message: string) {
    super(409, 'invalid_state', message);
  }
}

export class PreconditionFailedError extends AppError {
  constructor(message = 'The resource has changed since you read it (stale If-Match).') {
    super(412, 'precondition_failed', message);
  }
}

export class RateLimitedError extends AppError {
  constructor(retryAfterSeconds: number, message = 'Too many attempts; try again later.') {
    super(429, 'rate_limited', message, {
      headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    });
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(message = 'The service is temporarily unavailable.', retryAfterSeconds = 5) {
    super(503, 'service_unavailable', message, { headers: { 'retry-after': String(retryAfterSeconds) } });
  }
}

/** The PostgreSQL error inside an error (its SQLSTATE and constraint), looking through driver and ORM wrappers. */
function pgError(err: unknown): { code: string; constraint?: string } | undefined {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const { code, constraint } = current as { code?: unknown; constraint?: unknown };
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) {
      return { code, constraint: typeof constraint === 'string' ? constraint : undefined };
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The PostgreSQL SQLSTATE of an error, looking through driver and ORM wrappers. */
export function pgErrorCode(err: unknown): string | undefined {
  return pgError(err)?.code;
}

/** A unique violation; of the named index or constraint only, when one is given. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const found = pgError(err);
  return found?.code === '23505' && (constraint === undefined || found.constraint === constraint);
}
