/** A problem with one field of the input, named by its path (`events[3].status`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/**
 * The one exception hierarchy: every error a client can see is an AppError with
 * a stable code. Anything else becomes a 500 whose details stay in the logs.
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly details?: FieldIssue[];
  readonly headers: Record<string, string> = {};

  constructor(message: string, details?: FieldIssue[]) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 'VALIDATION_FAILED';
  constructor(details: FieldIssue[]) {
    super(details.map((d) => `${d.path} ${d.message}`).join('; '), details);
  }
}

export class AuthenticationError extends AppError {
  readonly status = 401;
  readonly code = 'UNAUTHENTICATED';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'FORBIDDEN';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'NOT_FOUND';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'CONFLICT';
}

export class IdempotencyKeyReusedError extends AppError {
  readonly status = 422;
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
}

/** An answer that says when to come back (`Retry-After`, whole seconds). */
abstract class RetryLaterError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

export class RateLimitedError extends RetryLaterError {
  readonly status = 429;
  readonly code = 'RATE_LIMITED';
}

export class ServiceUnavailableError extends RetryLaterError {
  readonly status = 503;
  readonly code = 'SERVICE_UNAVAILABLE';
}

/** A receiver vigil called (a notification channel under test) failed. */
export class BadGatewayError extends AppError {
  readonly status = 502;
  readonly code = 'BAD_GATEWAY';
}
