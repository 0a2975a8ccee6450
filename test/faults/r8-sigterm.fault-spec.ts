import { BATCH_SIZE as BATCH, FAULT_EVENTS as EVENTS, sendBatches, summary } from './load';
import { AppProcess, FaultStack } from './stack';

/**
 * R8: SIGTERM to the API and to a worker while batches arrive and are being
 * written. Both exit after draining (the API answers what it has accepted,
 * the worker finishes its active batches); their replacements carry on, and
 * every acknowledged event is stored exactly once.
 */
describe('R8: SIGTERM to API and worker mid-ingest', () => {
  const stack = new FaultStack();

  beforeAll(() => stack.start({ INGEST_CONCURRENCY: '2' }));
  afterAll(() => stack.destroy());

  it('drains in-flight work and loses nothing', async () => {
    const api = await stack.spawn('api');
    const worker = await stack.spawn('worker');
    const batches = Math.ceil(EVENTS / BATCH);
    let restarts: Promise<(number | string | null)[]> | undefined;
    const restart = async (app: AppProcess) => {
      const code = await app.stop('SIGTERM');
      await stack.spawn(app.name);
      return code;
    };
    const load = await sendBatches({
      url: () => stack.apiUrl,
      key: stack.key,
      batches,
      batchSize: BATCH,
      concurrency: 4,
      beforeBatch: (index) => {
        if (index >= batches / 3 && !restarts) restarts = Promise.all([restart(api), restart(worker)]);
      },
    });
    const [apiExit, workerExit] = (await restarts)!;

    const { drained, ...result } = await stack.outcome(load);
    console.log(summary('R8-sigterm', result, { networkErrors: load.networkErrors }));
    console.log(`network errors by cause: ${JSON.stringify(load.networkErrorCodes)}`);
    expect(load.samples5xx).toEqual([]);
    // Nest re-raises SIGTERM once its shutdown hooks (drain included) are done.
    expect({ apiExit, workerExit }).toEqual({ apiExit: 'SIGTERM', workerExit: 'SIGTERM' });
    expect(drained).toBe(true);
    expect(result).toMatchObject({ sent: batches * BATCH, lost: 0, duplicated: 0, status5xx: 0 });
    expect(worker.output).not.toMatch(/"level":50/);
  });
});
