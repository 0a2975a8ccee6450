import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Controller, Get, Inject, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  createVigil,
  fingerprint,
  instrumentPg,
  VIGIL_CLIENT,
  vigilExpress,
  vigilExpressErrors,
  vigilFastify,
  VigilClient,
  VigilModule,
  VigilOptions,
  VigilTypeOrmLogger,
} from '@vigil/client';
import express from 'express';
import Fastify from 'fastify';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { createProjectKey, useStack } from '../helpers/apps';
import { endpoints } from '../helpers/child-app';
import { eventually } from '../helpers/db';
import { testEnv } from '../helpers/env';

describe('@vigil/client against a running vigil', () => {
  const stack = useStack(testEnv());
  let project: { projectId: string; key: string };
  const clients: VigilClient[] = [];

  beforeAll(async () => {
    project = await createProjectKey(stack.api.url);
  });
  afterAll(() => Promise.all(clients.map((c) => c.close())));

  const vigil = (service: string, options: Partial<VigilOptions> = {}) => {
    const client = createVigil({ url: stack.api.url, apiKey: project.key, service, flushIntervalMs: 100, ...options });
    clients.push(client);
    return client;
  };
  const rowsOf = async (sql: string, service: string) => (await stack.pool.query(sql, [project.projectId, service])).rows;
  const requestRows = (service: string) =>
    rowsOf('SELECT route, status, db_queries, db_time_ms, user_id, tenant_id, request_id FROM performance_metrics WHERE project_id = $1 AND service = $2 ORDER BY route, request_id', service);

  it('Express: route templates, per-request db count and time, slow queries normalized, errors with severity', async () => {
    const client = vigil('express-shop', { slowQueryMs: 30 });
    const pool = instrumentPg(new Pool({ connectionString: process.env.TEST_DATABASE_URL, max: 2 }), client);
    const app = express();
    app.use(vigilExpress(client, { user: (req) => req.headers['x-user'] as string | undefined, tenant: () => 'acme' }));
    const orders = express.Router();
    orders.get('/:id', async (req, res) => {
      await pool.query('SELECT $1::int AS id', [req.params.id]);
      await pool.query(`SELECT pg_sleep(0.05), ${Number(req.params.id)} AS answer`);
      res.json({ ok: true });
    });
    app.use('/orders', orders);
    app.get('/fail', () => {
      throw new TypeError('order 42 not found');
    });
    app.use(vigilExpressErrors(client));
    const server = await listen(createServer(app));
    try {
      for (let i = 1; i <= 3; i++) {
        expect((await fetch(`${server.url}/orders/${i}`, { headers: { 'x-request-id': `ex-${i}`, 'x-user': `u-${i}` } })).status).toBe(200);
      }
      expect((await fetch(`${server.url}/fail`, { headers: { 'x-request-id': 'ex-fail' } })).status).toBe(500);
      await client.flush();
      expect(client.sent).toBe(3 + 1 + 3 + 1);
      expect(client.dropped).toBe(0);

      await eventually(async () => (await endpoints(stack.api.url, project.projectId, 'express-shop')).length === 2, 'the Express endpoints');
      const byRoute = Object.fromEntries((await endpoints(stack.api.url, project.projectId, 'express-shop')).map((r) => [r.route, r]));
      expect(byRoute['/orders/:id']).toMatchObject({ method: 'GET', requests: 3, errorRate: 0 });
      expect(byRoute['/fail']).toMatchObject({ requests: 1, errorRate: 1 });

      const rows = await requestRows('express-shop');
      expect(rows[1]).toMatchObject({ route: '/orders/:id', status: 200, db_queries: 2, user_id: 'u-1', tenant_id: 'acme', request_id: 'ex-1' });
      expect(rows[1].db_time_ms).toBeGreaterThanOrEqual(50);

      await eventually(async () => (await rowsOf('SELECT 1 FROM slow_queries WHERE project_id = $1 AND service = $2', 'express-shop')).length === 3, 'the slow queries');
      const [slow] = await rowsOf('SELECT query, fingerprint, request_id, context FROM slow_queries WHERE project_id = $1 AND service = $2 ORDER BY request_id', 'express-shop');
      expect(slow).toMatchObject({ query: 'select pg_sleep(?), ? as answer', request_id: 'ex-1' });
      expect(slow.fingerprint).toBe(fingerprint('select pg_sleep(?), ? as answer'));
      expect(slow.context.fingerprint).toBe(slow.fingerprint);

      await eventually(async () => (await rowsOf('SELECT 1 FROM error_events WHERE project_id = $1 AND service = $2', 'express-shop')).length === 1, 'the error');
      expect(await rowsOf('SELECT type, severity, message, request_id FROM error_events WHERE project_id = $1 AND service = $2', 'express-shop')).toEqual([
        { type: 'TypeError', severity: 'HIGH', message: 'order 42 not found', request_id: 'ex-fail' },
      ]);
    } finally {
      await server.close();
      await pool.end();
    }
  });

  it('Fastify plugin: route template, status, request id and user from the request', async () => {
    const client = vigil('fastify-shop');
    const app = Fastify();
    await app.register(vigilFastify(client, { user: () => 'fast-user' }));
    app.get('/items/:id', async () => ({ ok: true }));
    app.get('/broken', async () => {
      throw new RangeError('stock below zero');
    });
    app.get('/bad', async () => {
      throw Object.assign(new Error('bad input'), { statusCode: 400 });
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    expect((await fetch(`${url}/items/7`)).status).toBe(200);
    expect((await fetch(`${url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${url}/broken`)).status).toBe(500);
    expect((await fetch(`${url}/bad`)).status).toBe(400);
    await app.close(); // flushes on close
    expect(client.sent).toBe(4 + 1);
    await eventually(async () => (await requestRows('fastify-shop')).length === 4, 'the Fastify requests');
    const rows = await requestRows('fastify-shop');
    expect(rows.map((r) => [r.route, r.status, r.user_id])).toEqual([
      ['(unmatched)', 404, 'fast-user'],
      ['/bad', 400, 'fast-user'],
      ['/broken', 500, 'fast-user'],
      ['/items/:id', 200, 'fast-user'],
    ]);
    expect(rows[3].request_id).toMatch(/^req-/);
    // Only the server error is reported as an error event.
    await eventually(async () => (await rowsOf('SELECT 1 FROM error_events WHERE project_id = $1 AND service = $2', 'fastify-shop')).length === 1, 'the Fastify error');
    expect(await rowsOf('SELECT type, message, request_id FROM error_events WHERE project_id = $1 AND service = $2', 'fastify-shop')).toEqual([
      { type: 'RangeError', message: 'stock below zero', request_id: rows[2].request_id },
    ]);
  });

  it('NestJS: VigilModule records every route through its interceptor and provides the client', async () => {
    const client = vigil('nest-shop');
    @Controller('widgets')
    class WidgetsController {
      constructor(@Inject(VIGIL_CLIENT) private readonly injected: VigilClient) {}
      @Get(':id')
      get(@Param('id') id: string) {
        return { id, service: this.injected.service };
      }
    }
    @Module({ imports: [VigilModule.forRoot(client)], controllers: [WidgetsController] })
    class ShopModule {}
    const app = await NestFactory.create<NestFastifyApplication>(ShopModule, new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const response = await fetch(`${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/widgets/9`);
      expect(await response.json()).toEqual({ id: '9', service: 'nest-shop' });
    } finally {
      await app.close();
    }
    await client.flush();
    await eventually(async () => (await requestRows('nest-shop')).length === 1, 'the Nest request');
    expect((await requestRows('nest-shop'))[0]).toMatchObject({ route: '/widgets/:id', status: 200 });
  });

  it('TypeORM logger: slow queries normalized, never with their parameters', async () => {
    const client = vigil('typeorm-shop');
    const dataSource = new DataSource({ type: 'postgres', url: process.env.TEST_DATABASE_URL, logger: new VigilTypeOrmLogger(client), maxQueryExecutionTime: 30 });
    await dataSource.initialize();
    try {
      await dataSource.query("SELECT pg_sleep(0.05), 'secret-literal' AS s, $1::text AS p", ['secret-param']);
    } finally {
      await dataSource.destroy();
    }
    await client.flush();
    await eventually(async () => (await rowsOf('SELECT 1 FROM slow_queries WHERE project_id = $1 AND service = $2', 'typeorm-shop')).length === 1, 'the TypeORM slow query');
    const [row] = await rowsOf('SELECT query, context FROM slow_queries WHERE project_id = $1 AND service = $2', 'typeorm-shop');
    expect(row.query).toBe('select pg_sleep(?), ? as s, ?::text as p');
    expect(JSON.stringify(row)).not.toMatch(/secret/);
  });
});

async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
