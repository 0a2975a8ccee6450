import { Env, JobName, JobPayload, QUEUE_OF } from '@vigil/common';
import { Job, Queue, QueueEvents } from 'bullmq';
import { cliRedisConnection } from './cli-context';
import { fail } from './output';

/**
 * Hands a job to the worker, as its cron would, and waits for the result:
 * work that belongs to the worker (evaluation, delivery) is done there, not
 * in the CLI. One attempt: the person waiting should hear of a failure, not
 * sit through retries. A job no worker picked up is withdrawn.
 */
export async function runInWorker<N extends JobName, T>(env: Env, name: N, payload: JobPayload[N], jobId: string, timeoutSeconds: number, what: string): Promise<T> {
  const queueName = QUEUE_OF[name];
  // Fail fast when Redis is away, as queue:status does; QueueEvents blocks, so BullMQ wants no per-request retry limit.
  const connection = cliRedisConnection(env);
  const queue = new Queue(queueName, { connection: { ...connection, maxRetriesPerRequest: 1, enableOfflineQueue: false }, prefix: env.REDIS_KEY_PREFIX });
  const events = new QueueEvents(queueName, { connection: { ...connection, maxRetriesPerRequest: null }, prefix: env.REDIS_KEY_PREFIX });
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    const job = await queue.add(name, payload, { jobId, attempts: 1, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86400 } });
    return await waitForResult<T>(job, events, timeoutSeconds, what);
  } finally {
    await Promise.all([queue.close(), events.close()].map((closing) => closing.catch(() => undefined)));
  }
}

async function waitForResult<T>(job: Job, events: QueueEvents, timeoutSeconds: number, what: string): Promise<T> {
  try {
    return (await job.waitUntilFinished(events, timeoutSeconds * 1000)) as T;
  } catch (error) {
    const state = await job.getState();
    if (state === 'failed') return fail(`${what} failed in the worker: ${(error as Error).message}`, 1);
    if (state === 'active') return fail(`${what} is still running after ${timeoutSeconds} s`, 1);
    await job.remove().catch(() => undefined);
    return fail(`no worker picked up ${what} within ${timeoutSeconds} s; is the worker running?`, 1);
  }
}
