import { PoolClient } from 'pg';
import { createProjectKey, ingest, requestEvents, useStack } from '../helpers/apps';
import { countRows, eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

/**
 * Postgres made unresponsive without stopping it: a transaction holding an
 * ACCESS EXCLUSIVE lock on one table makes every write to it wait, so calls
 * through the database breaker time out and open it. Committing ends the fault.
 */
async function lockTable(client: PoolClient, table: string): Promise<() => Promise<void>> {
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return async () => {
    await client.query('COMMIT');
    client.release();
  };
}

describe('circuit breakers', () => {
  const env = testEnv({ DB_BREAKER_FAILURES: '2', DB_BREAKER_RESET_MS: '1500', DB_BREAKER_TIMEOUT_MS: '400' });
  const stack = useStack(env);

  it('reports state, counts and latency in /api/v1/breakers, /health/ready and /metrics', async () => {
    const list = await fetch(`${stack.api.url}/api/v1/breakers`, { headers: auth });
    expect(list.status).toBe(200);
    const { breakers } = await list.json();
    expect(breakers.map((b: { name: string }) => b.name).sort()).toEqual(['database', 'redis']);
    expect(breakers.find((b: { name: string }) => b.name === 'database')).toMatchObject({
      state: 'closed', failureThreshold: 2, resetMs: 1500, failures: expect.any(Number), latencyMeanMs: expect.any(Number),
    });

    const ready = await (await fetch(`${stack.worker!.url}/health/ready`)).json();
    expect(ready.details.breakers).toMatchObject({ status: 'up', database: { state: 'closed' }, redis: { state: 'closed' } });

    const metrics = await (await fetch(`${stack.api.url}/metrics`)).text();
    expect(metrics).toMatch(/vigil_breaker_state\{breaker="database",state="closed"\} 1/);
    expect(metrics).toMatch(/vigil_breaker_calls\{breaker="redis",outcome="successes"\} \d+/);
  });

  it('requires the admin token for /api/v1/breakers', async () => {
    expect((await fetch(`${stack.api.url}/api/v1/breakers`)).status).toBe(401);
  });

  it('answers management writes 503 with Retry-After while the database breaker is open', async () => {
    const release = await lockTable(await stack.pool.connect(), 'alert_rules');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    try {
      for (let i = 0; i < 4; i++) {
        const response = await fetch(`${stack.api.url}/api/v1/rules`, {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `breaker-${Date.now()}-${i}`, kind: 'threshold', metric: 'p95', warning: 100 }),
        });
        statuses.push(response.status);
        if (response.status === 503) retryAfter = response.headers.get('retry-after');
        expect((await response.json()).error.code).toBe('SERVICE_UNAVAILABLE');
      }
      const { breakers } = await (await fetch(`${stack.api.url}/api/v1/breakers`, { headers: auth })).json();
      expect(breakers.find((b: { name: string }) => b.name === 'database').state).toBe('open');
    } finally {
      await release();
    }
    expect(statuses).toEqual([503, 503, 503, 503]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    // Reads are not behind the write-path breaker, and it closes again after a half-open probe.
    await eventually(async () => {
      const response = await fetch(`${stack.api.url}/api/v1/rules`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `breaker-after-${Date.now()}`, kind: 'threshold', metric: 'p95', warning: 100 }),
      });
      return response.status === 201;
    }, 'database breaker closed again');
  });

  it('delays ingest jobs while the database breaker is open and then writes every event exactly once', async () => {
    const started = new Date();
    const { projectId, key } = await createProjectKey(stack.api.url);
    const release = await lockTable(await stack.pool.connect(), 'ingest_batches');
    const batches = 12;
    try {
      for (let i = 0; i < batches; i++) {
        expect((await ingest(stack.api.url, 'requests', key, { events: requestEvents(25, `breaker-${i}`) })).status).toBe(202);
      }
      await eventually(async () => {
        const ready = await (await fetch(`${stack.worker!.url}/health/ready`)).json();
        return ready.details.breakers.database.state === 'open';
      }, 'worker database breaker open');
    } finally {
      await release();
    }
    await eventually(async () => (await countRows(stack.pool, 'performance_metrics', projectId)) === batches * 25, 'all events written', 45_000);
    expect(await countRows(stack.pool, 'ingest_batches', projectId)).toBe(batches);

    // The state changes became vigil's own error events, one group per breaker and state.
    await eventually(async () => {
      const { rows } = await stack.pool.query(
        `SELECT severity, message FROM error_events WHERE service = 'vigil-worker' AND type = 'CircuitBreakerStateChange' AND ts >= $1`,
        [started],
      );
      const messages = rows.map((r) => `${r.severity} ${r.message}`);
      return messages.includes('HIGH circuit breaker database is open') && messages.includes('LOW circuit breaker database is closed');
    }, 'breaker state changes recorded as error events', 30_000);
  });
});
