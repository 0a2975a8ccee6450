import { Queue } from 'bullmq';
import { redisOptions } from '@vigil/common';
import { dropRedisPrefix, ingest, requestEvents, RunningApp, runCli, startWorker, useStack } from '../helpers/apps';
import { eventually } from '../helpers/db';
import { testEnv } from '../helpers/env';

describe('vigil CLI', () => {
  const env = testEnv();
  const stack = useStack(env, { worker: false });

  it('keys:create prints a working key on its last line, and keys:list shows only its prefix', async () => {
    const created = await runCli(env, ['keys:create', '--name', `cli-${Date.now()}`]);
    expect(created.code).toBe(0);
    const key = created.stdout.trim().split('\n').pop()!;
    expect(key).toMatch(/^vgl_[A-Za-z0-9_-]{32}$/);
    expect((await ingest(stack.api.url, 'requests', key, { events: requestEvents(1) })).status).toBe(202);

    const listed = await runCli(env, ['keys:list', '--json']);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout);
    expect(rows).toEqual(expect.arrayContaining([expect.objectContaining({ prefix: key.slice(0, 12) })]));
    expect(listed.stdout).not.toContain(key);
  });

  it('db:migrate is idempotent', async () => {
    const result = await runCli(env, ['db:migrate']);
    expect(result).toMatchObject({ code: 0, stdout: 'schema is up to date\n' });
  });

  it('exits non-zero with a clear message on bad arguments', async () => {
    const missing = await runCli(env, ['keys:create']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("required option '--name <name>' not specified");
    const unknown = await runCli(env, ['no-such-command']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("unknown command 'no-such-command'");
  });

  it('says which database it cannot reach, without a stack trace or password', async () => {
    const result = await runCli({ ...env, DATABASE_URL: 'postgres://postgres:s3cret@127.0.0.1:1/vigil' }, ['keys:list']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('cannot reach PostgreSQL at 127.0.0.1:1/vigil');
    expect(result.stderr).not.toContain('s3cret');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('names a bad configuration variable', async () => {
    const result = await runCli({ ...env, DB_POOL_SIZE: 'lots' }, ['keys:list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DB_POOL_SIZE must be integer');
  });
});

describe('vigil CLI: queues', () => {
  const env = testEnv();
  let worker: RunningApp;
  let queue: Queue;

  beforeAll(async () => {
    worker = await startWorker(env);
    queue = new Queue('ingest', { connection: redisOptions({ REDIS_URL: env.REDIS_URL }), prefix: env.REDIS_KEY_PREFIX });
  });

  afterAll(async () => {
    await worker?.close();
    await queue?.close();
    await dropRedisPrefix(env);
  });

  it('shows a failed job in queue:status and re-drives it with queue:retry-failed', async () => {
    const job = await queue.add('not-a-job-vigil-knows', {}, { jobId: 'poison-1' });
    await eventually(async () => (await queue.getJobState(job.id!)) === 'failed', 'the job to fail');

    const status = await runCli(env, ['queue:status', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ queue: 'ingest', failed: 1 })]));

    const retried = await runCli(env, ['queue:retry-failed']);
    expect(retried).toMatchObject({ code: 0, stdout: 're-queued 1 failed job(s)\n' });
    await eventually(async () => ((await queue.getJob(job.id!))?.attemptsMade ?? 0) >= 2, 'the job to run again');
  });
});

describe('vigil CLI: reports', () => {
  const env = testEnv();
  const stack = useStack(env);
  const service = `cli-shop-${Date.now()}`;

  beforeAll(async () => {
    const { createProjectKey } = await import('../helpers/apps');
    const { projectId, key } = await createProjectKey(stack.api.url);
    await ingest(stack.api.url, 'requests', key, { events: requestEvents(200, service, { timestamp: Date.now() - 60_000 }) });
    await ingest(stack.api.url, 'requests', key, { events: [{ ...requestEvents(1, service)[0], durationMs: 4321, requestId: 'cli-slow-1' }] });
    await ingest(stack.api.url, 'queries', key, { events: [{ service, query: "SELECT * FROM cli_table WHERE id = 9", durationMs: 900 }] });
    await ingest(stack.api.url, 'errors', key, { events: [{ service, type: 'CliError', severity: 'LOW', message: 'boom 1' }] });
    await eventually(async () => (await stack.pool.query('SELECT count(*)::int AS n FROM ingest_batches WHERE project_id = $1', [projectId])).rows[0].n === 4, 'batches');
  });

  const json = async (args: string[]) => {
    const result = await runCli(env, args);
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout);
  };

  it('report --format json has the service with its numbers; text and markdown print tables', async () => {
    const report = await json(['report', '--hours', '1', '--format', 'json']);
    expect(report.summary.services).toEqual(expect.arrayContaining([expect.objectContaining({ service, requests: 201 })]));
    expect(report.summary.services.find((s: { service: string }) => s.service === service).errorRate).toBeCloseTo(21 / 201, 4);
    const text = await runCli(env, ['report', '--hours', '1']);
    expect(text.stdout).toMatch(new RegExp(`${service}\\s+201\\s`));
    const markdown = await runCli(env, ['report', '--hours', '1', '--format', 'markdown']);
    expect(markdown.stdout).toContain(`| ${service} | 201 |`);
  });

  it('slow-requests, slow-queries and errors', async () => {
    const slow = await json(['slow-requests', '--threshold', '4000', '--hours', '1', '--service', service, '--json']);
    expect(slow).toEqual([expect.objectContaining({ requestId: 'cli-slow-1', durationMs: 4321, service })]);
    const queries = await json(['slow-queries', '--hours', '1', '--json']);
    expect(queries).toEqual(expect.arrayContaining([expect.objectContaining({ query: 'select * from cli_table where id = ?', services: [service] })]));
    const errors = await json(['errors', '--hours', '1', '--json']);
    expect(errors).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'CliError', service, count: 1 })]));
  });

  it('analyze breaks one service down by endpoint against the previous window', async () => {
    const analysis = await json(['analyze', '--service', service, '--hours', '1', '--json']);
    expect(analysis.endpoints).toEqual([expect.objectContaining({ route: '/orders/:id', requests: 201, previous: null, p95ChangePct: null })]);
    expect(analysis.slowQueries).toHaveLength(1);
  });

  it('cleanup runs retention and refuses to cut into accepted data', async () => {
    const ok = await runCli(env, ['cleanup', '--days', '30']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/dropped \d+ partition/);
    const refused = await runCli(env, ['cleanup', '--days', '3']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--days must be at least 8');
    const bad = await runCli(env, ['report', '--hours', 'soon']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--hours must be a number');
  });
});
