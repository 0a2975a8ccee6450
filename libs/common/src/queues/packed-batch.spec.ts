import { packBatch, unpackBatch } from './packed-batch';

const batch = (events: object[]) => ({ batchId: 'b-1', projectId: 'p-1', receivedAt: 1_700_000_000_000, events });

describe('packed batches', () => {
  const requests = Array.from({ length: 40 }, (_, i) => ({
    timestamp: 1_700_000_000_000 + i,
    service: i % 2 ? 'shop' : 'billing',
    method: 'GET',
    route: `/orders/:id`,
    status: i % 10 ? 200 : 503,
    durationMs: i * 1.5,
    ...(i % 3 ? { userId: `user-${i}` } : {}),
    ...(i === 7 ? { context: { fingerprint: 'abc', route: '/x' } } : {}),
  }));

  it('unpacks to the same events, optional fields absent where they were', () => {
    expect(unpackBatch(packBatch(batch(requests)))).toEqual(batch(requests));
  });

  it('stores a repeated string once, and is much smaller than the events as JSON', () => {
    const packed = packBatch(batch(requests));
    expect(packed.columns.service).toEqual({ values: ['billing', 'shop'], at: requests.map((_, i) => i % 2) });
    // Distinct per event: kept as a plain column.
    expect(Array.isArray(packed.columns.userId)).toBe(true);
    expect(JSON.stringify(packed).length).toBeLessThan(JSON.stringify(batch(requests)).length / 2);
  });

  it('keeps a string column of distinct values and null-looking strings intact', () => {
    const events = [{ message: 'null' }, { message: '' }, { message: 'a' }];
    expect(unpackBatch(packBatch(batch(events)))).toEqual(batch(events));
  });

  it('round-trips through JSON, as the queue stores it', () => {
    expect(unpackBatch(JSON.parse(JSON.stringify(packBatch(batch(requests)))))).toEqual(batch(requests));
  });
});
