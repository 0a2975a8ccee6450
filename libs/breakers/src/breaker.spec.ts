import { ServiceUnavailableError, ValidationError } from '@vigil/common';
import { Breaker, BreakerOpenError } from './breaker';

const fail = () => Promise.reject(new Error('refused'));

describe('Breaker', () => {
  let breaker: Breaker;
  afterEach(() => breaker.shutdown());

  it('opens after the failure threshold and then rejects at once with a Retry-After', async () => {
    breaker = new Breaker('db', { failureThreshold: 3, resetMs: 30_000, timeoutMs: 1000 });
    for (let i = 0; i < 3; i++) await expect(breaker.run(fail)).rejects.toThrow('refused');
    const call = jest.fn(() => Promise.resolve(1));
    const error = await breaker.run(call).catch((e) => e);
    expect(error).toBeInstanceOf(BreakerOpenError);
    expect(error).toMatchObject({ status: 503, breaker: 'db', headers: { 'retry-after': expect.stringMatching(/^(29|30)$/) } });
    expect(call).not.toHaveBeenCalled();
    expect(breaker.snapshot()).toMatchObject({ state: 'open', failures: 3, failureThreshold: 3, resetMs: 30_000 });
  });

  it('closes again after a successful half-open probe', async () => {
    breaker = new Breaker('redis', { failureThreshold: 2, resetMs: 100, timeoutMs: 1000 });
    const states: string[] = [];
    breaker.on('open', () => states.push('open'));
    breaker.on('halfOpen', () => states.push('half-open'));
    breaker.on('close', () => states.push('closed'));
    for (let i = 0; i < 2; i++) await expect(breaker.run(fail)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(breaker.snapshot().state).toBe('half-open');
    await expect(breaker.run(() => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('does not count ignored errors (a client error of ours) as failures', async () => {
    breaker = new Breaker('db', { failureThreshold: 2, resetMs: 30_000, timeoutMs: 1000, ignore: (e) => e instanceof ValidationError });
    for (let i = 0; i < 5; i++) await expect(breaker.run(() => Promise.reject(new ValidationError([{ path: 'x', message: 'bad' }])))).rejects.toThrow(ValidationError);
    expect(breaker.snapshot().state).toBe('closed');
  });

  it('turns a call slower than the timeout into a 503', async () => {
    breaker = new Breaker('slow', { failureThreshold: 5, resetMs: 30_000, timeoutMs: 50 });
    const error = await breaker.run(() => new Promise((resolve) => setTimeout(resolve, 500))).catch((e) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.message).toBe('slow did not answer within 50 ms');
  });
});
