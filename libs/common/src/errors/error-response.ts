import { randomUUID } from 'node:crypto';
import { HttpException } from '@nestjs/common';
import { AppError, FieldIssue } from './app-error';

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    errorId: string;
    requestId?: string;
    details?: FieldIssue[];
  };
}

export interface ErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: ErrorBody;
  /** True when the cause is ours, not the client's: log it with its stack. */
  internal: boolean;
}

const CODES_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Maps anything thrown while serving a request to the public error shape:
 * vigil's own errors keep their code, Nest and Fastify client errors (unknown
 * route, malformed JSON, body too large) get one from their status, and the
 * rest become a 500 that reveals nothing but an error id.
 */
export function toErrorResponse(exception: unknown, requestId?: string): ErrorResponse {
  const errorId = randomUUID();
  const body = (code: string, message: string, details?: FieldIssue[]): ErrorBody => ({
    error: { code, message, errorId, requestId, ...(details ? { details } : {}) },
  });

  if (exception instanceof AppError) {
    return {
      status: exception.status,
      headers: exception.headers,
      body: body(exception.code, exception.message, exception.details),
      internal: false,
    };
  }
  const status = clientErrorStatus(exception);
  if (status !== undefined) {
    const message = exception instanceof HttpException ? httpExceptionMessage(exception) : (exception as Error).message;
    return { status, headers: {}, body: body(CODES_BY_STATUS[status] ?? 'BAD_REQUEST', message), internal: false };
  }
  return { status: 500, headers: {}, body: body('INTERNAL', 'Internal error; quote the errorId when reporting it'), internal: true };
}

function clientErrorStatus(exception: unknown): number | undefined {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return status >= 400 && status < 500 ? status : undefined;
  }
  // Fastify's own errors (content-type parser, body limit) carry a 4xx statusCode.
  const statusCode = (exception as { statusCode?: unknown })?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : undefined;
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  return Array.isArray(message) ? message.join('; ') : String(message ?? exception.message);
}
