import { ChildProcess } from 'node:child_process';
import { createProjectKey, dropRedisPrefix, exited, ingest, requestEvents, runCli, spawnApp, spawnWorker } from '../helpers/apps';
import { countRows, eventually, testPool } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

/** The API and worker as processes logging at debug: whatever they print must hold no key or token. */
describe('secrets never reach the logs', () => {
  const env = testEnv({ LOG_LEVEL: 'debug', API_PORT: '0' });
  let api: ChildProcess;
  let worker: ChildProcess;
  let output = '';
  let url: string;

  beforeAll(async () => {
    api = spawnApp('api', env);
    api.stdout?.on('data', (chunk) => (output += chunk));
    api.stderr?.on('data', (chunk) => (output += chunk));
    worker = spawnWorker(env);
    worker.stdout?.removeAllListeners('data').on('data', (chunk) => (output += chunk));
    worker.stderr?.removeAllListeners('data').on('data', (chunk) => (output += chunk));
    await eventually(async () => /"url":"(http:\/\/[^"]+)"/.test(output), 'the API to listen');
    url = /"url":"(http:\/\/[^"]+)"/.exec(output)![1].replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    api?.kill('SIGKILL');
    worker?.kill('SIGKILL');
    await dropRedisPrefix(env);
  });

  it('redacts API keys and management tokens from request, error and worker logs', async () => {
    const { key, projectId } = await createProjectKey(url);
    // Management tokens of every role, as the CLI prints them (its own output is not a log).
    const tokens = [];
    for (const role of ['viewer', 'editor', 'admin']) {
      const created = await runCli(env, ['tokens:create', '--name', `log-${role}`, '--role', role]);
      tokens.push(created.stdout.trim().split('\n').at(-1)!);
    }
    const [viewer, editor, admin] = tokens;
    const made = await (await fetch(`${url}/api/v1/tokens`, { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'rest', role: 'viewer' }) })).json() as { token: string };
    tokens.push(made.token);

    await ingest(url, 'requests', key, { events: requestEvents(2) });
    await ingest(url, 'requests', key, { events: [{ bad: true }] });
    await ingest(url, 'requests', admin, { events: requestEvents(1) });
    await fetch(`${url}/api/v1/ingest/requests`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: '{' });
    await fetch(`${url}/api/v1/projects`, { headers: { authorization: 'Bearer wrong-admin-token-123456' } });
    await fetch(`${url}/api/v1/projects`, { headers: { authorization: `Bearer ${key}` } });
    await fetch(`${url}/api/v1/projects`, { method: 'POST', headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' }, body: '{}' });
    await fetch(`${url}/api/v1/rules`, { method: 'POST', headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' }, body: '{}' });
    await fetch(`${url}/api/v1/rules`, { headers: { 'x-api-key': made.token } });
    const pool = testPool();
    await eventually(async () => (await countRows(pool, 'performance_metrics', projectId)) === 2, 'the worker to write the batch').finally(() => pool.end());

    api.kill('SIGTERM');
    worker.kill('SIGTERM');
    await Promise.all([exited(api), exited(worker)]);
    expect(output).toContain('request completed');
    expect(tokens).toHaveLength(4);
    for (const secret of [key, ADMIN_TOKEN, 'wrong-admin-token-123456', ...tokens]) expect([secret, output.includes(secret)]).toEqual([secret, false]);
  });
});
