import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createProjectKey, exited, useStack } from '../helpers/apps';
import { ChildApp, endpoints, startChildApp } from '../helpers/child-app';
import { eventually } from '../helpers/db';
import { testEnv } from '../helpers/env';

/** The README's walk-through: examples/express-app reporting to a running vigil. */
describe('examples/express-app', () => {
  const stack = useStack(testEnv());
  let app: ChildApp;
  let projectId: string;

  beforeAll(async () => {
    if (!existsSync(join(__dirname, '../../packages/client/dist/index.js'))) throw new Error('packages/client/dist is missing: run `npm run build` (npm test does) first');
    const project = await createProjectKey(stack.api.url);
    projectId = project.projectId;
    app = await startChildApp('examples/express-app/app.js', {
      VIGIL_URL: stack.api.url,
      VIGIL_API_KEY: project.key,
      DATABASE_URL: process.env.TEST_DATABASE_URL!,
      PORT: '0',
    });
  });
  afterAll(() => app?.child.exitCode === null && app.stop());

  it('shows up in /api/v1/metrics/endpoints with its route templates, db time and errors', async () => {
    for (let i = 1; i <= 4; i++) expect((await fetch(`${app.url}/orders/${i}`, { headers: { 'x-user-id': 'u-7' } })).status).toBe(200);
    expect((await fetch(`${app.url}/checkout`, { method: 'POST' })).status).toBe(500);
    expect((await fetch(`${app.url}/health`)).status).toBe(200);
    // SIGTERM: the app flushes what is buffered before it exits.
    app.child.kill('SIGTERM');
    expect(await exited(app.child)).toBe(0);
    expect(app.output()).toMatch(/vigil: sent 10, dropped 0/);

    await eventually(async () => (await endpoints(stack.api.url, projectId, 'example-shop')).length === 2, 'the example app in the endpoints list');
    const rows = await endpoints(stack.api.url, projectId, 'example-shop');
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ method: 'GET', route: '/orders/:id', requests: 4, errorRate: 0 }),
        expect.objectContaining({ method: 'POST', route: '/checkout', requests: 1, errorRate: 1 }),
      ]),
    );
    const { rows: stored } = await stack.pool.query(`SELECT db_queries, db_time_ms, user_id FROM performance_metrics WHERE project_id = $1 AND route = '/orders/:id'`, [projectId]);
    expect(stored).toHaveLength(4);
    expect(stored[0]).toMatchObject({ db_queries: 1, user_id: 'u-7' });
    await eventually(async () => (await stack.pool.query('SELECT 1 FROM slow_queries WHERE project_id = $1', [projectId])).rowCount === 4, 'its slow queries');
    await eventually(async () => (await stack.pool.query('SELECT 1 FROM error_events WHERE project_id = $1', [projectId])).rowCount === 1, 'its error');
  });
});
