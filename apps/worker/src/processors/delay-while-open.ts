import { BreakerOpenError } from '@vigil/breakers';
import { DelayedError, Job } from 'bullmq';

/**
 * Runs a job's work; while a breaker it needs is open, the job is moved back
 * to delayed until the breaker's next probe instead of failing: an attempt is
 * not spent, so nothing accepted is dropped however long the outage lasts.
 */
export async function delayWhileOpen<T>(job: Job, token: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof BreakerOpenError) || !token) throw error;
    await job.moveToDelayed(Date.now() + error.retryAfterMs, token);
    throw new DelayedError();
  }
}
