import { DataSource } from 'typeorm';
import { SELF_PROJECT_ID } from '@vigil/monitoring';
import { useStack } from '../helpers/apps';
import { eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

describe('vigil monitors itself', () => {
  const stack = useStack(testEnv({ SLOW_QUERY_THRESHOLD_MS: '40' }));

  it("records the API's own requests by route template, batched through the ingest queue", async () => {
    const requestId = `self-${Date.now()}`;
    const response = await fetch(`${stack.api.url}/api/v1/projects/00000000-0000-4000-8000-00000000dead/keys`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'x-request-id': requestId },
    });
    expect(response.status).toBe(200);
    const row = async () =>
      (
        await stack.pool.query('SELECT service, method, route, status, duration_ms FROM performance_metrics WHERE project_id = $1 AND request_id = $2', [
          SELF_PROJECT_ID,
          requestId,
        ])
      ).rows[0];
    await eventually(async () => (await row()) !== undefined, 'the self-metrics row');
    expect(await row()).toMatchObject({ service: 'vigil-api', method: 'GET', route: '/api/v1/projects/:id/keys', status: 200 });
  });

  it('records its own slow queries, normalized', async () => {
    await stack.api.app.get(DataSource).query('SELECT pg_sleep(0.06), 42 AS answer');
    await eventually(
      async () =>
        (
          await stack.pool.query(`SELECT 1 FROM slow_queries WHERE project_id = $1 AND service = 'vigil-api' AND query = 'select pg_sleep(?), ? as answer'`, [
            SELF_PROJECT_ID,
          ])
        ).rowCount === 1,
      'the slow-query row',
    );
  });
});
