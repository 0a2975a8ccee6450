import { connect } from 'node:net';
import { Breaker } from '@vigil/breakers';
import { Env, redisOptions } from '@vigil/common';
import { CheckResult, TargetRow } from '@vigil/monitoring';
import Redis from 'ioredis';
import { Client } from 'pg';

/** Where a probe finds what it needs beyond the target: vigil's own addresses, and the breaker of an HTTP origin. */
export interface ProbeContext {
  env: Pick<Env, 'DATABASE_URL' | 'REDIS_URL'>;
  breakerFor(url: string): Breaker;
}

/**
 * Checks one target once. Any failure (refused, timed out, wrong status,
 * keyword missing, circuit open) is a "down" result with its reason; the
 * reason never contains the target's credentials.
 */
export async function probe(target: TargetRow, context: ProbeContext): Promise<CheckResult> {
  const started = performance.now();
  try {
    await PROBES[target.kind](target, context);
    return { status: 'up', responseMs: elapsed(started), error: null };
  } catch (error) {
    return { status: 'down', responseMs: elapsed(started), error: (error as Error).message.slice(0, 500) };
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100;

const PROBES: Record<TargetRow['kind'], (target: TargetRow, context: ProbeContext) => Promise<void>> = {
  http: (target, { breakerFor }) => breakerFor(target.address!).run(() => http(target)),
  tcp: (target) => tcp(target),
  postgres: (target, { env }) => postgres(target.address ?? env.DATABASE_URL, target.timeoutMs),
  redis: (target, { env }) => redis(target.address ?? env.REDIS_URL, target.timeoutMs),
};

async function http(target: TargetRow): Promise<void> {
  const response = await fetch(target.address!, { signal: AbortSignal.timeout(target.timeoutMs), redirect: 'manual' });
  const body = target.keyword ? await response.text() : (await response.body?.cancel(), '');
  if (response.status !== target.expectedStatus) throw new Error(`status ${response.status}, expected ${target.expectedStatus}`);
  if (target.keyword && !body.includes(target.keyword)) throw new Error(`keyword "${target.keyword}" not in the response body`);
}

function tcp(target: TargetRow): Promise<void> {
  const separator = target.address!.lastIndexOf(':');
  const host = target.address!.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(target.address!.slice(separator + 1));
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, timeout: target.timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no connection to ${host}:${port} within ${target.timeoutMs} ms`));
    });
    socket.once('error', (error) => reject(new Error(`${host}:${port}: ${error.message}`)));
  });
}

async function postgres(url: string, timeoutMs: number): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'vigil-check' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redis(url: string, timeoutMs: number): Promise<void> {
  const client = new Redis({
    ...redisOptions({ REDIS_URL: url }),
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } finally {
    client.disconnect();
  }
}
