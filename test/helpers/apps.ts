import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { Pool } from 'pg';
import { createApi } from '../../apps/api/src/bootstrap';
import { createWorker } from '../../apps/worker/src/bootstrap';
import { testPool } from './db';
import { ADMIN_TOKEN } from './env';

export interface RunningApp {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

async function listen(app: NestFastifyApplication): Promise<RunningApp> {
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}

export async function startApi(env: Record<string, string>): Promise<RunningApp> {
  return listen(await createApi({ env }));
}

export async function startWorker(env: Record<string, string>): Promise<RunningApp> {
  return listen(await createWorker({ env }));
}

const ROOT = join(__dirname, '..', '..');

/**
 * One of the built apps as its own process, for tests that kill it. It runs in
 * a temp dir so that a developer's .env cannot leak into it.
 */
export function spawnApp(app: 'worker' | 'api' | 'cli', env: Record<string, string>, args: string[] = []): ChildProcess {
  const main = join(ROOT, `dist/apps/${app}/src/main.js`);
  if (!existsSync(main)) throw new Error('dist/ is missing: run `npm run build` (npm test does) first');
  return spawn(process.execPath, [main, ...args], {
    cwd: tmpdir(),
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function spawnWorker(env: Record<string, string>): ChildProcess {
  const child = spawnApp('worker', env);
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

/** Runs the CLI to completion. */
export function runCli(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnApp('cli', env, args);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Creates a project and an ingest key over the management API. */
export async function createProjectKey(apiUrl: string, name = `p-${Math.random().toString(36).slice(2)}`) {
  const project = await json<{ id: string }>(`${apiUrl}/api/v1/projects`, { name });
  const key = await json<{ key: string; id: string }>(`${apiUrl}/api/v1/projects/${project.id}/keys`, { name: 'test' });
  return { projectId: project.id, key: key.key, keyId: key.id };
}

async function json<T>(url: string, body: unknown): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** POSTs a batch of events with an ingest key. */
export function ingest(apiUrl: string, kind: 'requests' | 'queries' | 'errors', key: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${apiUrl}/api/v1/ingest/${kind}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Deletes every Redis key under a test file's prefix. */
export async function dropRedisPrefix(env: Record<string, string>): Promise<void> {
  const redis = new Redis(env.REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${env.REDIS_KEY_PREFIX}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export function requestEvents(n: number, service = 'shop', extra: Record<string, unknown> = {}) {
  return Array.from({ length: n }, (_, i) => ({
    service,
    method: 'GET',
    route: `/orders/:id`,
    status: i % 10 === 0 ? 500 : 200,
    durationMs: 10 + (i % 100),
    requestId: `req-${i}`,
    ...extra,
  }));
}

export interface Stack {
  api: RunningApp;
  worker?: RunningApp;
  pool: Pool;
}

/**
 * Boots an API (and a worker unless `worker: false`) for the enclosing describe
 * block, with a pool on the test database, and tears all of it down after.
 */
export function useStack(env: Record<string, string>, options: { worker?: boolean } = {}): Stack {
  const stack = {} as Stack;
  beforeAll(async () => {
    stack.pool = testPool();
    stack.api = await startApi(env);
    if (options.worker !== false) stack.worker = await startWorker(env);
  });
  afterAll(async () => {
    await stack.api?.close();
    await stack.worker?.close();
    await stack.pool?.end();
    await dropRedisPrefix(env);
  });
  return stack;
}
