import { ChildProcess } from 'node:child_process';
import { Pool, PoolClient } from 'pg';
import { partitionName } from '@vigil/monitoring';
import { createProjectKey, dropRedisPrefix, exited, ingest, requestEvents, RunningApp, spawnWorker, startApi } from '../helpers/apps';
import { countRows, eventually, testPool } from '../helpers/db';
import { testEnv } from '../helpers/env';

/**
 * The worker is a separate process here, so that it can be killed. Its COPY
 * is held mid-transaction by a lock on the day partition the batch goes to:
 * the batch is then provably in flight when the signal arrives.
 */
describe('worker faults', () => {
  const env = testEnv({ INGEST_CONCURRENCY: '1' });
  const threeDaysAgo = Date.now() - 3 * 86_400_000;
  const partition = partitionName('performance_metrics', new Date(threeDaysAgo).toISOString().slice(0, 10));
  let api: RunningApp;
  let pool: Pool;
  const workers: ChildProcess[] = [];

  const startWorker = async () => {
    const worker = spawnWorker(env);
    workers.push(worker);
    await eventually(async () => (await pool.query('SELECT to_regclass($1) AS t', [partition])).rows[0].t !== null, 'partitions');
    return worker;
  };

  /** Holds writes to the batch's partition until the returned client commits. */
  const lockPartition = async (): Promise<PoolClient> => {
    const client = await pool.connect();
    await client.query('BEGIN');
    await client.query(`LOCK TABLE ${partition} IN SHARE MODE`);
    return client;
  };

  const copyIsBlocked = async () => {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE application_name = 'vigil-worker' AND wait_event_type = 'Lock' AND query LIKE 'COPY performance_metrics%'`,
    );
    return rows[0].n > 0;
  };

  beforeAll(async () => {
    pool = testPool();
    api = await startApi(env);
  });

  afterEach(async () => {
    for (const worker of workers.splice(0)) {
      worker.kill('SIGKILL');
      await exited(worker);
    }
  });

  afterAll(async () => {
    await api?.close();
    await pool?.end();
    await dropRedisPrefix(env);
  });

  it('a worker SIGKILLed mid-batch leaves nothing; the restarted worker writes the batch exactly once', async () => {
    const { projectId, key } = await createProjectKey(api.url);
    const first = await startWorker();
    const lock = await lockPartition();
    const events = requestEvents(5000, 'shop', { timestamp: threeDaysAgo });
    const answer = await ingest(api.url, 'requests', key, { events }, { 'idempotency-key': 'crash-batch' });
    expect(answer.status).toBe(202);

    await eventually(copyIsBlocked, 'the worker to be mid-COPY');
    first.kill('SIGKILL');
    await exited(first);
    await lock.query('COMMIT');
    lock.release();
    expect(await countRows(pool, 'performance_metrics', projectId)).toBe(0);

    await startWorker();
    await eventually(async () => (await countRows(pool, 'performance_metrics', projectId)) === 5000, 'the stalled batch to be written', 30_000);

    // Replaying the same batch (its answer record gone from Redis) re-enqueues the same batch id: nothing new is stored.
    await dropRedisPrefixKeys(env, 'idem');
    expect((await ingest(api.url, 'requests', key, { events }, { 'idempotency-key': 'crash-batch' })).status).toBe(202);
    await ingest(api.url, 'requests', key, { events: requestEvents(1) });
    await eventually(async () => (await countRows(pool, 'ingest_batches', projectId)) === 2, 'the marker batch');
    expect(await countRows(pool, 'performance_metrics', projectId)).toBe(5001);
  });

  it('SIGTERM lets the active batch finish before the worker exits', async () => {
    const { projectId, key } = await createProjectKey(api.url);
    const worker = await startWorker();
    const lock = await lockPartition();
    expect((await ingest(api.url, 'requests', key, { events: requestEvents(3000, 'shop', { timestamp: threeDaysAgo }) })).status).toBe(202);
    await eventually(copyIsBlocked, 'the worker to be mid-COPY');

    worker.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(worker.exitCode).toBeNull();
    await lock.query('COMMIT');
    lock.release();

    // Nest re-raises the signal once its shutdown hooks are done: a clean exit is "killed by SIGTERM" after draining.
    await exited(worker);
    expect(worker.signalCode ?? worker.exitCode).toBe('SIGTERM');
    expect(await countRows(pool, 'performance_metrics', projectId)).toBe(3000);
  });
});

async function dropRedisPrefixKeys(env: Record<string, string>, part: string): Promise<void> {
  const { default: Redis } = await import('ioredis');
  const redis = new Redis(env.REDIS_URL);
  const keys = await redis.keys(`${env.REDIS_KEY_PREFIX}:${part}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
}
