import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toErrorResponse } from './error-response';

/** Renders every error as `{ error: { code, message, errorId } }`; stacks go to the log only. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    sendError(reply, exception, request.id, this.logger);
  }
}

export function sendError(reply: FastifyReply, exception: unknown, requestId: string, logger: Logger): void {
  const response = toErrorResponse(exception, requestId);
  if (response.internal) {
    logger.error({ err: exception, errorId: response.body.error.errorId, requestId }, 'unhandled error');
  }
  void reply.status(response.status).headers(response.headers).send(response.body);
}
