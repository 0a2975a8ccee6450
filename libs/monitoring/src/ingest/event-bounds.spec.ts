import { ValidationError } from '@vigil/common';
import { parseBatch } from './parse-batch';

/** Numbers the wire format accepts must fit their columns: a batch accepted with 202 has to be writable. */
describe('numeric bounds of the wire format', () => {
  const query = (rows: number) => ({ events: [{ service: 's', query: 'select 1', durationMs: 3, rows }] });

  it('accepts a query row count up to the counts maximum', () => {
    expect(parseBatch('queries', query(2_147_483_647), Date.now())).toHaveLength(1);
  });

  it.each([1e308, 2 ** 53, 2_147_483_648])('rejects rows=%d, naming the field', (rows) => {
    expect(() => parseBatch('queries', query(rows), Date.now())).toThrow(ValidationError);
    try {
      parseBatch('queries', query(rows), Date.now());
    } catch (error) {
      expect((error as ValidationError).details).toEqual([{ path: 'events[0].rows', message: 'must be <= 2147483647' }]);
    }
  });
});

describe('NUL in event text', () => {
  it('becomes U+FFFD in every field, so rollups and fingerprints can store it', () => {
    const [event] = parseBatch('errors', { events: [{ service: 's\0', type: 'Type\0Error', severity: 'HIGH', message: '\0boom' }] }, Date.now());
    expect(event).toMatchObject({ service: 's\uFFFD', type: 'Type\uFFFDError', message: '\uFFFDboom' });
  });
});
