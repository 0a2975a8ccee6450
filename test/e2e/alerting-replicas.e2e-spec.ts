import { ChildProcess } from 'node:child_process';
import { JobName, QueueName, redisOptions } from '@vigil/common';
import { Queue } from 'bullmq';
import { createProjectKey, exited, ingest, requestEvents, spawnWorker, useStack } from '../helpers/apps';
import { eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

/** Three worker processes, as three replicas would be: each tick changes alerts once. */
describe('alert evaluation with three worker replicas', () => {
  const env = testEnv();
  const stack = useStack(env, { worker: false });
  const workers: ChildProcess[] = [];
  let queue: Queue;

  beforeAll(() => {
    for (let i = 0; i < 3; i++) workers.push(spawnWorker(env));
    queue = new Queue(QueueName.Alerting, { connection: redisOptions({ REDIS_URL: env.REDIS_URL }), prefix: env.REDIS_KEY_PREFIX });
  });

  afterAll(async () => {
    await queue?.close();
    for (const worker of workers) {
      worker.kill('SIGKILL');
      await exited(worker);
    }
  });

  it('the same tick enqueued by every replica (and once more under another id) fires one alert, once', async () => {
    const service = `replicas-${Date.now()}`;
    const { projectId, key } = await createProjectKey(stack.api.url);
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    expect((await ingest(stack.api.url, 'requests', key, { events: requestEvents(30, service, { timestamp: minute - 20_000, durationMs: 4000, status: 200 }) })).status).toBe(202);
    const rule = await (
      await fetch(`${stack.api.url}/api/v1/rules`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `replicas-${service}`, kind: 'threshold', metric: 'p95', projectId, service, windowSeconds: 120, warning: 2000 }),
      })
    ).json();
    await eventually(async () => (await stack.pool.query(`SELECT 1 FROM ingest_batches WHERE project_id = $1`, [projectId])).rows.length === 1, 'traffic written');

    // An instant tick: it cannot collide with whole-minute ticks other test files evaluate.
    const tick = new Date(minute + 30_001).toISOString();
    const ids = ['eval-replicas-a', 'eval-replicas-a', 'eval-replicas-a', 'eval-replicas-b'];
    await Promise.all(ids.map((jobId) => queue.add(JobName.EvaluateRules, { tick }, { jobId })));
    await eventually(async () => {
      const states = await Promise.all(['eval-replicas-a', 'eval-replicas-b'].map((id) => queue.getJobState(id)));
      return states.every((s) => s === 'completed');
    }, 'both evaluations done', 60_000);

    const { rows: events } = await stack.pool.query(
      `SELECT e.type FROM alert_events e JOIN performance_alerts a ON a.id = e.alert_id WHERE a.rule_id = $1`,
      [rule.id],
    );
    expect(events).toEqual([{ type: 'fired' }]);
    const { rows: outbox } = await stack.pool.query(
      `SELECT n.type FROM notifications n JOIN performance_alerts a ON a.id = n.alert_id WHERE a.rule_id = $1`,
      [rule.id],
    );
    expect(outbox).toEqual([{ type: 'firing' }]);
    const results = await Promise.all(['eval-replicas-a', 'eval-replicas-b'].map(async (id) => (await queue.getJob(id))!.returnvalue));
    expect(results.map((r) => r.evaluatedNow).sort()).toEqual([false, true]);
  });
});
