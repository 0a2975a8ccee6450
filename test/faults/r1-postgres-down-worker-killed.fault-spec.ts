import { BATCH_SIZE as BATCH, FAULT_EVENTS as EVENTS, sendBatches, summary } from './load';
import { FaultStack } from './stack';

/**
 * R1: events keep arriving while Postgres is down for 10 s and a worker is
 * SIGKILLed mid-write; once Postgres is back every acknowledged event is
 * stored exactly once. The key cache expires during the outage on purpose:
 * ingest must not depend on Postgres answering.
 */
describe('R1: Postgres down for 10 s and a worker killed, under ingest', () => {
  const stack = new FaultStack();

  beforeAll(() => stack.start({ API_KEY_CACHE_TTL_MS: '2000', INGEST_CONCURRENCY: '2' }));
  afterAll(() => stack.destroy());

  it(`stores exactly the ${EVENTS} acknowledged events`, async () => {
    await stack.spawn('api');
    const [doomed] = await Promise.all([stack.spawn('worker'), stack.spawn('worker')]);

    // The first quarter goes in before the fault, the middle half while Postgres is down, the rest after.
    const batches = Math.ceil(EVENTS / BATCH);
    let outage: Promise<void> | undefined;
    let recovered: Promise<void> | undefined;
    const startFault = () => {
      let down!: () => void;
      outage = new Promise((resolve) => (down = resolve));
      recovered = (async () => {
        await doomed.stop('SIGKILL');
        stack.pg.stop('immediate');
        // Past the key cache's TTL: ingest now has to do without Postgres.
        await new Promise((r) => setTimeout(r, 2500));
        down();
        await new Promise((r) => setTimeout(r, 7500));
        stack.pg.start();
        await stack.spawn('worker');
      })();
    };
    const load = await sendBatches({
      url: () => stack.apiUrl,
      key: stack.key,
      batches,
      batchSize: BATCH,
      concurrency: 4,
      beforeBatch: async (index) => {
        if (index >= batches / 4 && !outage) startFault();
        if (index >= batches / 4) await outage;
        if (index >= (batches * 3) / 4) await recovered;
      },
    });
    await recovered;

    const { drained, ...result } = await stack.outcome(load);
    console.log(summary('R1-postgres-down-worker-killed', result));
    expect(drained).toBe(true);
    expect(result).toMatchObject({ sent: batches * BATCH, lost: 0, duplicated: 0, status5xx: 0 });
  });
});
