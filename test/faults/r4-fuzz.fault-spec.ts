import fc from 'fast-check';
import { Pool } from 'pg';
import { ADMIN_TOKEN } from '../helpers/env';
import { summary, waitFor } from './load';
import { FaultStack } from './stack';

const INGEST_CASES = Number(process.env.FUZZ_INGEST_CASES ?? 6000);
const MANAGEMENT_CASES = Number(process.env.FUZZ_MANAGEMENT_CASES ?? 4000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

type Kind = 'requests' | 'queries' | 'errors';
const TABLE: Record<Kind, string> = { requests: 'performance_metrics', queries: 'slow_queries', errors: 'error_events' };

// Every code point, lone surrogates and NUL included.
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const junk = fc.oneof(fc.jsonValue(), anyText, fc.constantFrom(null, -1, 0, 1e308, -1e308, 2 ** 53, '', 'x'.repeat(20_000), 'a\u0000b'));

/** A valid event of a kind, tagged with its batch's service so stored rows can be traced back. */
function validEvent(kind: Kind, service: string, j: number): Record<string, unknown> {
  if (kind === 'requests') return { service, method: 'GET', route: '/a/:id', status: 200, durationMs: 3.5, requestId: `${service}-${j}` };
  if (kind === 'queries') return { service, query: 'SELECT * FROM t WHERE id = 1', durationMs: 250, rows: 1, context: { route: '/a' } };
  return { service, type: 'TypeError', severity: 'HIGH', message: 'boom', exception: 'TypeError: boom' };
}

/** One mutation of an event: a field set to junk, a required field dropped, an unknown field added; or none. The service stays traceable: it only ever becomes invalid. */
const eventMutation = fc.oneof(
  { weight: 20, arbitrary: fc.constant((e: Record<string, unknown>) => e) },
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom('method', 'route', 'status', 'durationMs', 'timestamp', 'clientIp', 'query', 'rows', 'type', 'severity', 'message', 'context', 'userId', 'requestId'), junk).map(([field, value]) => (e: Record<string, unknown>) => ({ ...e, [field]: value })) },
  { weight: 1, arbitrary: fc.constantFrom('method', 'route', 'status', 'durationMs', 'query', 'type', 'severity', 'message').map((field) => (e: Record<string, unknown>) => { const copy = { ...e }; delete copy[field]; return copy; }) },
  { weight: 1, arbitrary: fc.tuple(anyText, junk).map(([field, value]) => (e: Record<string, unknown>) => ({ ...e, [field]: value })) },
  { weight: 1, arbitrary: fc.constantFrom(null, 5, '', 'x'.repeat(101), ['fz']).map((service) => (e: Record<string, unknown>) => ({ ...e, service })) },
);

interface IngestCase {
  kind: Kind;
  /** The body as sent: JSON text, or raw bytes that are not a valid batch. */
  body: string;
  events: number;
  contentType: string;
  idempotencyKey?: string;
}

function ingestCase(i: number): fc.Arbitrary<IngestCase> {
  const service = `fz${i}`;
  const kind = fc.constantFrom<Kind>('requests', 'requests', 'queries', 'errors');
  const wellFormed = fc.tuple(kind, fc.array(eventMutation, { minLength: 1, maxLength: 5 })).map(([k, mutations]) => ({
    kind: k,
    body: JSON.stringify({ events: mutations.map((m, j) => m(validEvent(k, service, j))) }),
    events: mutations.length,
  }));
  const malformed = fc.tuple(kind, fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'), fc.jsonValue().map((v) => JSON.stringify({ events: v }) ?? 'null'), anyText, fc.constant('{"events": ['), fc.constant('{"events":[]}'))).map(([k, body]) => ({ kind: k, body, events: 0 }));
  return fc
    .tuple(
      fc.oneof({ weight: 4, arbitrary: wellFormed }, { weight: 1, arbitrary: malformed }),
      fc.constantFrom('application/json', 'application/json', 'application/json', 'text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded'),
      fc.option(fc.string({ unit: 'binary', maxLength: 300 }), { nil: undefined }),
    )
    .map(([c, contentType, key]) => ({ ...c, contentType, idempotencyKey: key === undefined ? undefined : `${i}-${key}` }));
}

interface ManagementCase {
  method: string;
  path: string;
  body?: string;
}

const ID = fc.oneof(fc.uuid(), anyText.map(encodeURIComponent), fc.constant('00000000-0000-0000-0000-000000000000'));
const QUERY_NAMES = ['window', 'from', 'to', 'project', 'service', 'sort', 'order', 'limit', 'offset', 'metric', 'step', 'route', 'threshold_ms', 'severity', 'state', 'since', 'hours'];
const query = fc.dictionary(fc.oneof(fc.constantFrom(...QUERY_NAMES), anyText), fc.oneof(anyText, fc.constantFrom('15m', '24h', '7d', '1m', '-1', '0', '1e9', '2026-01-01T00:00:00Z', 'p95')), { maxKeys: 4 });
const validRule = { name: 'fz', kind: 'threshold', metric: 'p95', windowSeconds: 300, direction: 'above', warning: 100, critical: 200 };
const validSilence = { matchers: [{ name: 'service', op: '=', value: 'x' }], endsAt: '2030-01-01T00:00:00Z', createdBy: 'fz', comment: 'fz' };
const mutated = (base: Record<string, unknown>) =>
  fc.tuple(fc.constantFrom(...Object.keys(base), 'extra'), junk).map(([field, value]) => JSON.stringify({ ...base, [field]: value }));
const body = fc.oneof(fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'), anyText, mutated(validRule), mutated(validSilence), mutated({ name: 'fz', role: 'viewer' }));

const managementCase: fc.Arbitrary<ManagementCase> = fc.oneof(
  fc.tuple(fc.constantFrom('metrics/summary', 'metrics/endpoints', 'metrics/timeseries', 'metrics/slow-requests', 'metrics/slow-queries', 'errors', 'alerts', 'notifications', 'dashboard', 'rules', 'silences'), query).map(([p, q]) => ({ method: 'GET', path: `${p}?${new URLSearchParams(q)}` })),
  fc.tuple(fc.constantFrom('rules', 'alerts', 'errors', 'channels', 'routes', 'projects'), ID).map(([p, id]) => ({ method: 'GET', path: `${p}/${id}` })),
  fc.tuple(fc.constantFrom('projects', 'tokens', 'rules', 'silences', 'maintenance-windows', 'inhibit-rules', 'channels', 'routes'), body).map(([p, b]) => ({ method: 'POST', path: p, body: b })),
  fc.tuple(fc.constantFrom('rules', 'channels', 'routes'), ID, body).map(([p, id, b]) => ({ method: 'PATCH', path: `${p}/${id}`, body: b })),
  fc.tuple(fc.constantFrom('alerts/%s/ack', 'alerts/%s/resolve', 'projects/%s/keys', 'notifications/%s/retry'), ID, body).map(([p, id, b]) => ({ method: 'POST', path: p.replace('%s', id), body: b })),
  fc.tuple(fc.constantFrom('rules', 'silences', 'inhibit-rules', 'tokens', 'keys'), ID).map(([p, id]) => ({ method: 'DELETE', path: `${p}/${id}` })),
);

async function pool<T>(items: T[], concurrency: number, run: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) {
      const index = next++;
      await run(items[index], index);
    }
  }));
}

/**
 * R4: fuzzed ingest batches and management calls (fast-check; FUZZ_SEED
 * replays a run) never get a 5xx, and a rejected batch leaves no row.
 */
describe('R4: fuzzed ingest and management payloads', () => {
  const stack = new FaultStack();

  beforeAll(() => stack.start({ RATE_LIMIT_MANAGEMENT: '0' }));
  afterAll(() => stack.destroy());

  it(`${INGEST_CASES + MANAGEMENT_CASES} requests, seed ${SEED}: no 5xx, no row from a rejected batch`, async () => {
    await stack.spawn('api');
    await stack.spawn('worker');
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const count = (status: number, what: () => string) => {
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status >= 500 && failures.length < 20) failures.push(`${status} ${what()}`);
    };

    const ingestCases = Array.from({ length: INGEST_CASES }, (_, i) => fc.sample(ingestCase(i), { numRuns: 1, seed: SEED + i })[0]);
    const accepted = new Map<number, IngestCase>();
    await pool(ingestCases, 8, async (c, i) => {
      const headers: Record<string, string> = { authorization: `Bearer ${stack.key}`, 'content-type': c.contentType };
      if (c.idempotencyKey !== undefined) headers['idempotency-key'] = c.idempotencyKey.replace(/[^\x20-\x7e]/g, '?');
      const response = await fetch(`${stack.apiUrl}/api/v1/ingest/${c.kind}`, { method: 'POST', headers, body: c.body });
      const text = await response.text();
      count(response.status, () => `ingest ${c.kind} ${c.body.slice(0, 300)} -> ${text.slice(0, 300)}`);
      if (response.status === 202) accepted.set(i, c);
    });

    const managementCases = fc.sample(managementCase, { numRuns: MANAGEMENT_CASES, seed: SEED });
    await pool(managementCases, 8, async (c) => {
      const response = await fetch(`${stack.apiUrl}/api/v1/${c.path}`, {
        method: c.method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(c.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: c.body,
      });
      const text = await response.text();
      count(response.status, () => `${c.method} ${c.path} ${c.body?.slice(0, 300) ?? ''} -> ${text.slice(0, 300)}`);
    });

    // Rows per batch, traced by the batch's service name.
    const db = new Pool({ connectionString: stack.pg.url, max: 2 });
    const rowsByBatch = async () => {
      const rows = new Map<number, number>();
      for (const table of Object.values(TABLE)) {
        const result = await db.query(`SELECT service, count(*)::int AS n FROM ${table} WHERE project_id = $1 GROUP BY service`, [stack.projectId]);
        for (const { service, n } of result.rows) if (/^fz\d+$/.test(service)) rows.set(Number(service.slice(2)), (rows.get(Number(service.slice(2))) ?? 0) + n);
      }
      return rows;
    };
    const sent = [...accepted.values()].reduce((sum, c) => sum + c.events, 0);
    const storedTotal = async () => [...(await rowsByBatch()).values()].reduce((a, b) => a + b, 0);
    await waitFor(async () => (await storedTotal()) >= sent, 2 * 60_000);
    await new Promise((r) => setTimeout(r, 2000));
    const rows = await rowsByBatch();
    await db.end();

    let lost = 0;
    let duplicated = 0;
    let fromRejected = 0;
    for (const [i, c] of accepted) {
      const n = rows.get(i) ?? 0;
      if (n < c.events && failures.length < 20) failures.push(`accepted batch ${i} stored ${n} of ${c.events}: ${c.kind} ${c.body.slice(0, 500)}`);
      lost += Math.max(0, c.events - n);
      duplicated += Math.max(0, n - c.events);
    }
    for (const [i, n] of rows) if (!accepted.has(i)) fromRejected += n;
    const status5xx = [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
    const result = { sent, stored: [...rows.values()].reduce((a, b) => a + b, 0), lost, duplicated, status5xx };
    console.log(summary('R4-fuzz', result, { requests: INGEST_CASES + MANAGEMENT_CASES, accepted: accepted.size, rejectedRows: fromRejected, seed: SEED }));
    console.log(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    if (failures.length) console.log(`worker log:\n${stack.apps.find((a) => a.name === 'worker')?.output.split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(0, 5).join('\n')}`);
    expect(failures).toEqual([]);
    expect(result).toMatchObject({ lost: 0, duplicated: 0, status5xx: 0 });
    expect(fromRejected).toBe(0);
    // The fuzz must exercise both sides: some batches accepted, most rejected.
    expect(accepted.size).toBeGreaterThan(0);
    expect(accepted.size).toBeLessThan(INGEST_CASES);
  });
});
