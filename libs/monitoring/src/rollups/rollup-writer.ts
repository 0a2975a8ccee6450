import type { PoolClient } from 'pg';
import { RESOLUTIONS, RollupFamily } from './rollup-families';

interface Group<A> {
  resolution: number;
  bucket: string;
  keys: string[];
  acc: A;
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
  const groups = new Map<string, Group<A>>();
  for (const event of events) {
    const keys = family.keys.map((k) => k.of(event));
    for (const resolution of RESOLUTIONS) {
      const step = resolution * 1000;
      const bucket = new Date(Math.floor(event.timestamp / step) * step).toISOString();
      const id = `${resolution}\u0000${bucket}\u0000${keys.join('\u0000')}`;
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { resolution, bucket, keys, acc: family.start(event) }));
      family.add(group.acc, event);
    }
  }
  const list = [...groups.values()];
  const keyColumns = family.keys.map((k) => k.column);
  const identity = ['resolution', 'bucket', ...keyColumns];
  const keyArrays = [list.map((g) => g.resolution), list.map((g) => g.bucket), ...keyColumns.map((_, i) => list.map((g) => g.keys[i]))];
  const unnestKeys = `unnest($2::int[], $3::timestamptz[], ${keyColumns.map((_, i) => `$${i + 4}::text[]`).join(', ')})`;

  await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7441))', [`${family.table}:${projectId}`]);
  const stored = await client.query(
    `SELECT t.* FROM ${family.table} t JOIN ${unnestKeys} AS k(${identity.join(', ')}) USING (${identity.join(', ')})
     WHERE t.project_id = $1`,
    [projectId, ...keyArrays],
  );
  for (const row of stored.rows) {
    const id = `${row.resolution}\u0000${(row.bucket as Date).toISOString()}\u0000${keyColumns.map((c) => row[c]).join('\u0000')}`;
    const group = groups.get(id);
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
