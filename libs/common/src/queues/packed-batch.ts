import type { Batch } from './job-payloads';

/** One field of every event: its values in order (null where absent), or indexes into its distinct values. */
type PackedColumn = unknown[] | { values: unknown[]; at: number[] };

/**
 * A batch as it waits in the queue: column by column, repeated strings
 * (service, method, route, severity) stored once. Field names written per
 * event made up half of the job; a quarter-size job is cheaper to serialize,
 * store in Redis, read back and parse, on both sides of the queue.
 */
export interface PackedBatch {
  batchId: string;
  projectId: string;
  receivedAt: number;
  count: number;
  columns: Record<string, PackedColumn>;
}

export function packBatch<E extends object>({ batchId, projectId, receivedAt, events }: Batch<E>): PackedBatch {
  const count = events.length;
  const plain: Record<string, unknown[]> = {};
  events.forEach((event, i) => {
    for (const [field, value] of Object.entries(event)) {
      if (value === undefined) continue;
      (plain[field] ??= new Array(count).fill(null))[i] = value;
    }
  });
  const columns: Record<string, PackedColumn> = {};
  for (const [field, values] of Object.entries(plain)) columns[field] = withDistinct(values) ?? values;
  return { batchId, projectId, receivedAt, count, columns };
}

export function unpackBatch<E>(payload: PackedBatch): Batch<E> {
  const { batchId, projectId, receivedAt, count, columns } = payload;
  const events = Array.from({ length: count }, () => ({}) as Record<string, unknown>);
  for (const [field, column] of Object.entries(columns)) {
    const valueAt = Array.isArray(column) ? (i: number) => column[i] : (i: number) => column.values[column.at[i]];
    for (let i = 0; i < count; i++) {
      const value = valueAt(i);
      if (value !== null) events[i][field] = value;
    }
  }
  return { batchId, projectId, receivedAt, events: events as E[] };
}

/** Strings that repeat (at most one distinct value in four events) as a list of distinct values and indexes. */
function withDistinct(values: unknown[]): PackedColumn | undefined {
  const index = new Map<unknown, number>();
  const at = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'string' && value !== null) return undefined;
    let n = index.get(value);
    if (n === undefined) {
      if (index.size * 4 >= values.length) return undefined;
      index.set(value, (n = index.size));
    }
    at[i] = n;
  }
  return { values: [...index.keys()], at };
}
