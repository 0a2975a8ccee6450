import { NotFoundException } from '@nestjs/common';
import { ServiceUnavailableError, ValidationError } from './app-error';
import { toErrorResponse } from './error-response';

describe('toErrorResponse', () => {
  it('keeps the code and field details of vigil errors', () => {
    const response = toErrorResponse(new ValidationError([{ path: 'events[0].status', message: 'must be <= 599' }]), 'req-1');
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      requestId: 'req-1',
      details: [{ path: 'events[0].status', message: 'must be <= 599' }],
    });
    expect(response.body.error.errorId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets Retry-After for 503', () => {
    const response = toErrorResponse(new ServiceUnavailableError('queue down', 2.2));
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('3');
  });

  it('maps framework 4xx errors by status', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /x')).body.error).toMatchObject({ code: 'NOT_FOUND', message: 'Cannot GET /x' });
    const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413 });
    expect(toErrorResponse(tooLarge)).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
  });

  it('hides the message of unexpected errors', () => {
    const response = toErrorResponse(new Error('password=hunter2 leaked'));
    expect(response).toMatchObject({ status: 500, internal: true });
    expect(JSON.stringify(response.body)).not.toContain('hunter2');
  });
});
