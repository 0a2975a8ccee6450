import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { performanceMetrics } from '../../libs/monitoring/src/ingest/raw-tables';
import { BENCH_DATABASE_URL, BenchStack, IngestKey, Service, batchBody, envInt, postBatches, runBench, sampleEvent } from './harness';

/**
 * Ingest throughput end to end (HTTP -> queue -> worker -> COPY, until the
 * rows are visible) against the ceiling of one connection COPYing the same
 * rows straight into an identically indexed table.
 *
 *   BENCH_EVENTS (500000)  BENCH_BATCH (1000)  BENCH_CONNECTIONS (8)  BENCH_WORKER_CONCURRENCY (2)
 */

const DRAIN_TIMEOUT_MS = 120_000;
const POLL_MS = 200;
const BASELINE_PROJECT_ID = '00000000-0000-4000-8000-00000000bbbb';

interface Config {
  batch: number;
  requests: number;
  events: number;
  connections: number;
  workerConcurrency: number;
}

function readConfig(): Config {
  const batch = envInt('BENCH_BATCH', 1000);
  if (batch > 10_000) throw new Error('BENCH_BATCH must be at most 10000 (the ingest limit)');
  // Whole batches only: BENCH_EVENTS is rounded up to a multiple of the batch size.
  const requests = Math.ceil(envInt('BENCH_EVENTS', 500_000) / batch);
  return {
    batch,
    requests,
    events: requests * batch,
    // autocannon refuses more connections than requests.
    connections: Math.min(envInt('BENCH_CONNECTIONS', 8), requests),
    workerConcurrency: envInt('BENCH_WORKER_CONCURRENCY', 2),
  };
}

runBench(async (stack) => {
  const config = readConfig();
  console.log(
    `ingest bench: ${config.events} events in ${config.requests} batches of ${config.batch}, ` +
      `${config.connections} connections, worker concurrency ${config.workerConcurrency}`,
  );
  await stack.resetDatabase();
  const [api] = await Promise.all([stack.startApi(), stack.startWorker({ concurrency: config.workerConcurrency })]);
  const key = await stack.createKey('ingest-bench');

  const ingestRate = await measureIngest(api, key, config);
  const copyRate = await measureCopy(config);
  return `ingest_events_per_s=${Math.round(ingestRate)} copy_rows_per_s=${Math.round(copyRate)} ratio=${(ingestRate / copyRate).toFixed(2)}`;
});

/** Events per second from the first request to the moment the last row is visible. */
async function measureIngest(api: Service, { key, projectId }: IngestKey, config: Config): Promise<number> {
  const body = batchBody(config.batch);
  const db = new Client({ connectionString: BENCH_DATABASE_URL });
  await db.connect();
  try {
    const started = performance.now();
    const load = await postBatches({ url: api.url, key, body, connections: config.connections, amount: config.requests });
    const acceptedAfter = (performance.now() - started) / 1000;
    console.log(
      `api accepted ${load.accepted * config.batch} events in ${acceptedAfter.toFixed(1)} s ` +
        `(${Math.round((load.accepted * config.batch) / acceptedAfter)} events/s, p50 ${load.latencyP50Ms} ms, p99 ${load.latencyP99Ms} ms per batch)`,
    );
    const visibleAtEnd = await countRows(db, projectId);
    await waitForRows(db, projectId, config.events);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `worker: ${visibleAtEnd} rows were visible when the api was done; all ${config.events} after ${seconds.toFixed(1)} s ` +
        `(drain ${(seconds - acceptedAfter).toFixed(1)} s)`,
    );
    return config.events / seconds;
  } finally {
    await db.end();
  }
}

async function countRows(db: Client, projectId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM performance_metrics WHERE project_id = $1', [projectId]);
  return rows[0].n;
}

async function waitForRows(db: Client, projectId: string, expected: number): Promise<void> {
  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const visible = await countRows(db, projectId);
    if (visible === expected) return;
    if (visible > expected) throw new Error(`${visible} rows for ${expected} events: batches were written twice`);
    if (performance.now() > deadline) {
      throw new Error(`only ${visible} of ${expected} rows visible ${DRAIN_TIMEOUT_MS / 1000} s after the last batch was accepted`);
    }
    await sleep(POLL_MS);
  }
}

/** Rows per second for one connection COPYing the same rows in the same batches, no pipeline in between. */
async function measureCopy(config: Config): Promise<number> {
  const db = new Client({ connectionString: BENCH_DATABASE_URL });
  await db.connect();
  try {
    // One timestamp for the whole run, like the ingest body, so one day partition is enough.
    const ts = Date.now();
    await createScratchTable(db, ts);
    const columns = performanceMetrics.columns.join(', ');
    const started = performance.now();
    for (let written = 0; written < config.events; written += config.batch) {
      // Rows are formatted per batch, as the worker does, with the worker's own formatter.
      let text = '';
      for (let i = 0; i < config.batch; i++) text += performanceMetrics.toCopyRow(sampleEvent(i, ts), BASELINE_PROJECT_ID);
      await pipeline(Readable.from([text]), db.query(copyFrom(`COPY bench_copy (${columns}) FROM STDIN`)));
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(`baseline: one connection COPYed ${config.events} rows in ${seconds.toFixed(1)} s`);
    return config.events / seconds;
  } finally {
    await db.query('DROP TABLE IF EXISTS bench_copy').catch(() => undefined);
    await db.end();
  }
}

/**
 * performance_metrics' shape with a partition for `ts`'s day and the same
 * three indexes. Whether LIKE copies a partitioned table's indexes depends on
 * the PostgreSQL version, so it copies none and they are created here: never
 * missing, never twice.
 */
async function createScratchTable(db: Client, ts: number): Promise<void> {
  const day = new Date(ts).toISOString().slice(0, 10);
  const next = new Date(Date.parse(day) + 86_400_000).toISOString().slice(0, 10);
  await db.query('DROP TABLE IF EXISTS bench_copy');
  await db.query('CREATE TABLE bench_copy (LIKE performance_metrics INCLUDING ALL EXCLUDING INDEXES) PARTITION BY RANGE (ts)');
  await db.query('CREATE INDEX ON bench_copy (service, route, ts)');
  await db.query('CREATE INDEX ON bench_copy (ts)');
  await db.query('CREATE INDEX ON bench_copy (status, ts)');
  await db.query(`CREATE TABLE bench_copy_today PARTITION OF bench_copy FOR VALUES FROM ('${day}T00:00:00Z') TO ('${next}T00:00:00Z')`);
}
