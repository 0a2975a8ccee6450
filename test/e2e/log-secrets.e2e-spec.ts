import { ChildProcess } from 'node:child_process';
import { createProjectKey, dropRedisPrefix, exited, ingest, requestEvents, spawnApp } from '../helpers/apps';
import { eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

/** The API as a process logging at debug: whatever it prints must hold no key or token. */
describe('secrets never reach the logs', () => {
  const env = testEnv({ LOG_LEVEL: 'debug', API_PORT: '0' });
  let api: ChildProcess;
  let output = '';
  let url: string;

  beforeAll(async () => {
    api = spawnApp('api', env);
    api.stdout?.on('data', (chunk) => (output += chunk));
    api.stderr?.on('data', (chunk) => (output += chunk));
    await eventually(async () => /"url":"(http:\/\/[^"]+)"/.test(output), 'the API to listen');
    url = /"url":"(http:\/\/[^"]+)"/.exec(output)![1].replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    api?.kill('SIGKILL');
    await dropRedisPrefix(env);
  });

  it('redacts API keys and the admin token from request and error logs', async () => {
    const { key } = await createProjectKey(url);
    await ingest(url, 'requests', key, { events: requestEvents(2) });
    await ingest(url, 'requests', key, { events: [{ bad: true }] });
    await fetch(`${url}/api/v1/ingest/requests`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: '{' });
    await fetch(`${url}/api/v1/projects`, { headers: { authorization: 'Bearer wrong-admin-token-123456' } });

    api.kill('SIGTERM');
    await exited(api);
    expect(output).toContain('request completed');
    for (const secret of [key, ADMIN_TOKEN, 'wrong-admin-token-123456']) expect(output).not.toContain(secret);
  });
});
