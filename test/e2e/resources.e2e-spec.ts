import { getQueueToken } from '@nestjs/bullmq';
import { JobName, JobsService, QueueName } from '@vigil/common';
import { Queue } from 'bullmq';
import { useStack } from '../helpers/apps';
import { eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

describe('resource samples', () => {
  const stack = useStack(testEnv({ RESOURCE_SAMPLE_INTERVAL_MS: '1000' }));
  const started = new Date();

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.api.url}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, body: response.status === 204 ? null : await response.json() };
  };

  it('stores CPU, memory, disk, event-loop lag and the pg pool of the API and the worker', async () => {
    const latest = async (service: string) =>
      (await stack.pool.query(`SELECT * FROM resource_samples WHERE service = $1 AND ts >= $2 ORDER BY ts DESC LIMIT 1`, [service, started])).rows[0];
    await eventually(async () => Boolean((await latest('vigil-api')) && (await latest('vigil-worker'))), 'samples of both processes');
    for (const service of ['vigil-api', 'vigil-worker']) {
      const row = await latest(service);
      expect(row.cpu_percent).toBeGreaterThanOrEqual(0);
      expect(row.memory_percent).toBeGreaterThan(0);
      expect(row.memory_percent).toBeLessThan(100);
      expect(Number(row.memory_rss_bytes)).toBeGreaterThan(10 * 1024 * 1024);
      expect(row.disk_percent).toBeGreaterThan(0);
      expect(row.disk_percent).toBeLessThanOrEqual(100);
      expect(row.event_loop_lag_ms).toBeGreaterThanOrEqual(0);
      expect(row.pool_total).toBeGreaterThanOrEqual(1);
      expect(row.pool_idle).toBeLessThanOrEqual(row.pool_total);
      expect(row.pool_waiting).toBeGreaterThanOrEqual(0);
    }
    const metrics = await (await fetch(`${stack.worker!.url}/metrics`)).text();
    expect(metrics).toMatch(/^vigil_db_pool_connections\{state="total"\} [1-9]/m);
  });

  it('feeds threshold rules on memory: a rule over the worker fires with the sampled value', async () => {
    const name = `memory of the worker ${Date.now()}`;
    const rule = await call('POST', 'rules', { name, kind: 'threshold', metric: 'memory', service: 'vigil-worker', windowSeconds: 60, warning: 0.01, critical: 99.9 });
    expect(rule.status).toBe(201);
    try {
      const tick = Date.now();
      const jobId = `test-eval-resources-${tick}`;
      await stack.worker!.app.get(JobsService).add(JobName.EvaluateRules, { tick: new Date(tick).toISOString() }, jobId);
      const queue = stack.worker!.app.get<Queue>(getQueueToken(QueueName.Alerting));
      await eventually(async () => (await queue.getJobState(jobId)) === 'completed', 'evaluation');
      const result = (await queue.getJob(jobId))!.returnvalue as { changes: Array<{ rule: string; severity: string; value: number }> };
      const change = result.changes.find((c) => c.rule === name);
      expect(change).toMatchObject({ severity: 'warning' });
      expect(change!.value).toBeGreaterThan(0.01);
      expect(change!.value).toBeLessThan(99.9);
    } finally {
      await call('DELETE', `rules/${rule.body.id}`);
    }
  });
});
