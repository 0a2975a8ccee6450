import type { PoolClient } from 'pg';
import { RESOLUTIONS, RollupFamily } from './rollup-families';

interface Group<E, A> {
  resolution: number;
  bucketMs: number;
  keys: string[];
  first: E;
  acc: A;
}

const SEP = '\u0000';
const groupId = (resolution: number, bucketMs: number, keys: string[]) => `${resolution}${SEP}${bucketMs}${SEP}${keys.join(SEP)}`;

/**
 * A batch's accumulators for every resolution. Each event is added once, to
 * its minute; hours and days merge those minutes (sketches merge exactly), so
 * the per-event work does not grow with the number of resolutions.
 */
function groupBatch<E extends { timestamp: number }, A>(family: RollupFamily<E, A>, events: E[]): Map<string, Group<E, A>> {
  const [finest, ...coarser] = RESOLUTIONS;
  const groups = new Map<string, Group<E, A>>();
  const add = (resolution: number, bucketMs: number, keys: string[], first: E): A => {
    const id = groupId(resolution, bucketMs, keys);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { resolution, bucketMs, keys, first, acc: family.start(first) }));
    return group.acc;
  };
  const bucket = (ms: number, resolution: number) => Math.floor(ms / (resolution * 1000)) * resolution * 1000;
  for (const event of events) {
    family.add(add(finest, bucket(event.timestamp, finest), family.keys.map((k) => k.of(event)), event), event);
  }
  const minutes = [...groups.values()];
  for (const resolution of coarser) {
    for (const minute of minutes) family.merge(add(resolution, bucket(minute.bucketMs, resolution), minute.keys, minute.first), minute.acc);
  }
  return groups;
}

/**
 * Adds a batch's events to the rollups of every resolution, inside the
 * batch's own transaction (so a replayed batch, which never gets here, cannot
 * count twice). Rows are read, merged in JS (sketches cannot be merged in SQL)
 * and written back; a per-project advisory lock keeps concurrent batches of
 * one project from interleaving that read and write.
 */
export async function writeRollups<E extends { timestamp: number }, A>(
  client: PoolClient,
  family: RollupFamily<E, A>,
  projectId: string,
  events: E[],
): Promise<number> {
  const groups = groupBatch(family, events);
  const list = [...groups.values()];
  const keyColumns = family.keys.map((k) => k.column);
  const identity = ['resolution', 'bucket', ...keyColumns];
  const keyArrays = [list.map((g) => g.resolution), list.map((g) => new Date(g.bucketMs).toISOString()), ...keyColumns.map((_, i) => list.map((g) => g.keys[i]))];
  const unnestKeys = `unnest($2::int[], $3::timestamptz[], ${keyColumns.map((_, i) => `$${i + 4}::text[]`).join(', ')})`;

  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7441))', [`${family.table}:${projectId}`]);
  const stored = await client.query(
    `SELECT t.* FROM ${family.table} t JOIN ${unnestKeys} AS k(${identity.join(', ')}) USING (${identity.join(', ')})
     WHERE t.project_id = $1`,
    [projectId, ...keyArrays],
  );
  for (const row of stored.rows) {
    const group = groups.get(groupId(row.resolution, (row.bucket as Date).getTime(), keyColumns.map((c) => row[c])));
    if (group) family.mergeStored(group.acc, row);
  }

  const valueColumns = family.values.map((v) => v.column);
  const valueArrays = family.values.map((v) => list.map((g) => v.of(g.acc)));
  const offset = 4 + keyColumns.length;
  const unnestAll = `unnest($2::int[], $3::timestamptz[], ${keyColumns.map((_, i) => `$${i + 4}::text[]`).join(', ')}, ${family.values
    .map((v, i) => `$${offset + i}::${v.type}[]`)
    .join(', ')})`;
  await client.query(
    `INSERT INTO ${family.table} (project_id, ${identity.join(', ')}, ${valueColumns.join(', ')})
     SELECT $1, * FROM ${unnestAll}
     ON CONFLICT (project_id, ${identity.join(', ')}) DO UPDATE SET ${valueColumns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`,
    [projectId, ...keyArrays, ...valueArrays],
  );
  return list.length;
}
