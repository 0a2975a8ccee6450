import { BATCH_SIZE as BATCH, FAULT_EVENTS as EVENTS, count5xx, sendBatches, summary } from './load';
import { FaultStack } from './stack';

/**
 * R2: Redis is SIGKILLed mid-ingest and restarted 5 s later from its
 * append-only file. During the outage ingest answers 503 with Retry-After
 * (never another 5xx); every 202 given before or after is stored exactly once.
 * The rate limiter is on, so its Redis counter is down too (it must fail open).
 */
describe('R2: Redis restarted under ingest', () => {
  const stack = new FaultStack();

  beforeAll(() => stack.start({ RATE_LIMIT_INGEST: '100000000' }));
  afterAll(() => stack.destroy());

  it('every 202 is durable; the outage is a 503 with Retry-After', async () => {
    await stack.spawn('api');
    await stack.spawn('worker');

    const batches = Math.ceil(EVENTS / BATCH);
    let killed: Promise<void> | undefined;
    let restarted: Promise<void> | undefined;
    const load = await sendBatches({
      url: () => stack.apiUrl,
      key: stack.key,
      batches,
      batchSize: BATCH,
      concurrency: 4,
      beforeBatch: async (index) => {
        if (index < batches / 3) return;
        if (!killed) {
          killed = stack.redis.kill();
          restarted = killed.then(async () => {
            await new Promise((r) => setTimeout(r, 5000));
            await stack.redis.start();
          });
        }
        await killed;
      },
    });
    await restarted;

    const { drained, ...result } = await stack.outcome(load);
    const status503 = load.statuses.get(503) ?? 0;
    console.log(summary('R2-redis-restart', result, { status503, networkErrors: load.networkErrors }));
    expect(drained).toBe(true);
    expect(result).toMatchObject({ sent: batches * BATCH, lost: 0, duplicated: 0 });
    expect(status503).toBeGreaterThan(0);
    expect(load.retryAfter503).toBe(status503);
    expect(count5xx(load, [503])).toBe(0);
  });
});
