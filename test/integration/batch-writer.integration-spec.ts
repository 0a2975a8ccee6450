import { randomUUID } from 'node:crypto';
import { Batch, RequestEvent, validateEnv } from '@vigil/common';
import { dataSourceOptions, migrate } from '@vigil/database';
import { BatchWriter, decodeSketch, newSketch, partitionName, PartitionManager } from '@vigil/monitoring';
import { DataSource } from 'typeorm';

const DAY = 86_400_000;

describe('BatchWriter (real Postgres)', () => {
  let dataSource: DataSource;
  let writer: BatchWriter;
  let partitions: PartitionManager;
  const env = validateEnv({ DATABASE_URL: process.env.TEST_DATABASE_URL });

  beforeAll(async () => {
    dataSource = await new DataSource(dataSourceOptions(env, { applicationName: 'vigil-test' })).initialize();
    partitions = new PartitionManager(dataSource);
    writer = new BatchWriter(dataSource, partitions);
  });

  afterAll(() => dataSource.destroy());

  const batch = (events: RequestEvent[], projectId = randomUUID()): Batch<RequestEvent> => ({
    batchId: randomUUID(),
    projectId,
    receivedAt: Date.now(),
    events,
  });

  const event = (i: number, extra: Partial<RequestEvent> = {}): RequestEvent => ({
    timestamp: Date.now() - i,
    service: 'shop',
    method: 'GET',
    route: '/orders/:id',
    status: 200,
    durationMs: i,
    ...extra,
  });

  it('writes a batch once, however often it is delivered', async () => {
    const b = batch(Array.from({ length: 500 }, (_, i) => event(i)));
    expect(await writer.write('requests', b)).toEqual({ written: 500, duplicate: false });
    expect(await writer.write('requests', b)).toEqual({ written: 0, duplicate: true });
    const rows = await dataSource.query('SELECT count(*)::int AS n FROM performance_metrics WHERE project_id = $1', [b.projectId]);
    expect(rows[0].n).toBe(500);
  });

  it('writes a batch delivered to two workers at once exactly once', async () => {
    const b = batch(Array.from({ length: 2000 }, (_, i) => event(i)));
    const results = await Promise.all([writer.write('requests', b), writer.write('requests', b), writer.write('requests', b)]);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    const rows = await dataSource.query('SELECT count(*)::int AS n FROM performance_metrics WHERE project_id = $1', [b.projectId]);
    expect(rows[0].n).toBe(2000);
  });

  it('stores awkward strings exactly (tabs, newlines, backslashes, unicode) and NUL as U+FFFD', async () => {
    const awkward = 'tab\there\nnew line \\N back\\slash ünïcødé 🚀 "quotes" \'single\'';
    const b = batch([event(1, { route: awkward, userId: 'nul\0byte', clientIp: '2001:db8::1', requestId: '\\' })]);
    await writer.write('requests', b);
    const [row] = await dataSource.query(
      'SELECT route, user_id, host(client_ip) AS ip, request_id FROM performance_metrics WHERE project_id = $1',
      [b.projectId],
    );
    expect(row).toEqual({ route: awkward, user_id: 'nul\uFFFDbyte', ip: '2001:db8::1', request_id: '\\' });
  });

  it('creates the partition of a day it has not seen, for a batch that waited in the queue', async () => {
    const sixDaysAgo = Date.now() - 6 * DAY;
    const day = new Date(sixDaysAgo).toISOString().slice(0, 10);
    await dataSource.query(`DROP TABLE IF EXISTS ${partitionName('performance_metrics', day)}`);
    partitions.forget();
    const b = batch([event(0, { timestamp: sixDaysAgo })]);
    await writer.write('requests', b);
    const [found] = await dataSource.query('SELECT to_regclass($1) IS NOT NULL AS exists', [partitionName('performance_metrics', day)]);
    expect(found.exists).toBe(true);
  });

  it('normalizes and fingerprints slow queries, and groups errors by fingerprint', async () => {
    const projectId = randomUUID();
    const now = Date.now();
    await writer.write('queries', {
      batchId: randomUUID(),
      projectId,
      receivedAt: now,
      events: [
        { timestamp: now, service: 'shop', query: "SELECT * FROM t WHERE id = 1", durationMs: 900, context: { route: '/x' } },
        { timestamp: now, service: 'shop', query: "select *  from t where id=2", durationMs: 950, rows: 1 },
      ],
    });
    const queries = await dataSource.query('SELECT DISTINCT fingerprint, query FROM slow_queries WHERE project_id = $1', [projectId]);
    expect(queries).toEqual([{ fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), query: 'select * from t where id = ?' }]);

    await writer.write('errors', {
      batchId: randomUUID(),
      projectId,
      receivedAt: now,
      events: [
        { timestamp: now, service: 'shop', type: 'NotFound', severity: 'HIGH', message: 'order 1 missing' },
        { timestamp: now, service: 'shop', type: 'NotFound', severity: 'HIGH', message: 'order 2 missing', context: { a: 1 } },
      ],
    });
    const groups = await dataSource.query('SELECT count(DISTINCT fingerprint)::int AS n FROM error_events WHERE project_id = $1', [projectId]);
    expect(groups[0].n).toBe(1);
  });

  it('creates day partitions ahead, with the parent indexes, idempotently', async () => {
    const now = Date.parse('2027-03-01T10:00:00Z');
    const created = await partitions.ensureRange(now, 0, 2);
    expect(created).toContain('performance_metrics_p20270303');
    expect(await partitions.ensureRange(now, 0, 2)).toEqual([]);
    const indexes = await dataSource.query(`SELECT indexdef FROM pg_indexes WHERE tablename = 'performance_metrics_p20270302'`);
    expect(indexes.map((i: { indexdef: string }) => i.indexdef.replace(/^.*USING btree /, ''))).toEqual(
      expect.arrayContaining(['(service, route, ts)', '(ts)', '(status, ts)']),
    );
  });

  it('migrations are idempotent and safe to run concurrently', async () => {
    await expect(Promise.all([migrate(env), migrate(env)])).resolves.toEqual([[], []]);
  });
});

describe('rollups (real Postgres)', () => {
  let dataSource: DataSource;
  let writer: BatchWriter;
  const env = validateEnv({ DATABASE_URL: process.env.TEST_DATABASE_URL });

  beforeAll(async () => {
    dataSource = await new DataSource(dataSourceOptions(env, { applicationName: 'vigil-test' })).initialize();
    writer = new BatchWriter(dataSource, new PartitionManager(dataSource));
  });

  afterAll(() => dataSource.destroy());

  const rollupState = (projectId: string) =>
    dataSource.query(
      `SELECT resolution, bucket, service, route, count, status_5xx, duration_sum, encode(sketch, 'hex') AS sketch
       FROM request_rollups WHERE project_id = $1 ORDER BY resolution, bucket, route`,
      [projectId],
    );

  it('adds each batch to the minute, hour and day rollups; a replayed batch changes nothing', async () => {
    const projectId = randomUUID();
    const now = Date.now();
    const make = (n: number): Batch<RequestEvent> => ({
      batchId: randomUUID(),
      projectId,
      receivedAt: now,
      events: Array.from({ length: n }, (_, i) => ({
        timestamp: now - (i % 3) * 60_000,
        service: 'shop',
        method: 'GET',
        route: i % 2 ? '/a' : '/b',
        status: i % 10 === 0 ? 500 : 200,
        durationMs: 1 + i,
      })),
    });
    const first = make(100);
    await writer.write('requests', first);
    await writer.write('requests', make(50));
    const before = await rollupState(projectId);
    await writer.write('requests', first);
    expect(await rollupState(projectId)).toEqual(before);

    const totals = await dataSource.query(
      `SELECT resolution, sum(count)::int AS n, sum(status_5xx)::int AS e FROM request_rollups WHERE project_id = $1 GROUP BY resolution ORDER BY resolution`,
      [projectId],
    );
    expect(totals).toEqual([
      { resolution: 60, n: 150, e: 15 },
      { resolution: 3600, n: 150, e: 15 },
      { resolution: 86400, n: 150, e: 15 },
    ]);

    // The day's sketch of a route (built from its minutes) is the sketch of all its events.
    const direct = newSketch();
    for (const event of [...first.events, ...make(50).events]) if (event.route === '/a') direct.accept(event.durationMs);
    const [day] = await dataSource.query(
      `SELECT sketch FROM request_rollups WHERE project_id = $1 AND resolution = 86400 AND route = '/a'`,
      [projectId],
    );
    const merged = decodeSketch(day.sketch);
    expect(merged.count).toBe(direct.count);
    for (const q of [0.5, 0.95, 0.99]) expect(merged.getValueAtQuantile(q)).toBe(direct.getValueAtQuantile(q));
  });

  it('concurrent batches of one project all land in the rollups', async () => {
    const projectId = randomUUID();
    const batches = Array.from({ length: 6 }, () => ({
      batchId: randomUUID(),
      projectId,
      receivedAt: Date.now(),
      events: Array.from({ length: 200 }, (_, i) => ({ timestamp: Date.now(), service: 's', method: 'GET', route: `/r${i % 4}`, status: 200, durationMs: i })),
    }));
    await Promise.all(batches.map((b) => writer.write('requests', b)));
    const [row] = await dataSource.query(`SELECT sum(count)::int AS n FROM request_rollups WHERE project_id = $1 AND resolution = 86400`, [projectId]);
    expect(row.n).toBe(1200);
  });
});
