import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import Redis from 'ioredis';
import { Client } from 'pg';

/**
 * What both benches share: a throw-away database and Redis prefix, the vigil
 * processes under test, ingest load through autocannon and a cleanup that
 * runs however the bench ends.
 */

export const BENCH_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/vigil_bench';
const ADMIN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = 'redis://127.0.0.1:6379';

// Compiled to dist/scripts/bench/, so the apps are two levels up.
const DIST = resolve(__dirname, '../..');
const ENTRY = {
  api: join(DIST, 'apps/api/src/main.js'),
  worker: join(DIST, 'apps/worker/src/main.js'),
  cli: join(DIST, 'apps/cli/src/main.js'),
};

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;
/** A safety net only: a hung bench must still end by itself. */
const BENCH_DEADLINE_MS = 10 * 60_000;

export interface Service {
  name: string;
  url: string;
}

export interface IngestKey {
  key: string;
  projectId: string;
}

/** The processes of one bench run and everything they leave behind. */
export class BenchStack {
  readonly prefix = `vigil-bench-${randomBytes(4).toString('hex')}`;
  /** The APIs' ADMIN_TOKEN, for benches that call the management routes. */
  readonly adminToken = randomBytes(16).toString('hex');
  // The apps read `.env` from their cwd: an empty directory keeps a developer's file out.
  private readonly workDir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  private readonly children: Array<{ name: string; process: ChildProcess }> = [];
  private stopping?: Promise<void>;
  private crash!: (error: Error) => void;
  /** Rejects when a process under test dies while the bench still needs it. */
  readonly crashed = new Promise<never>((_, reject) => (this.crash = reject));

  /** Drops and re-creates the bench database, so every run starts empty. */
  async resetDatabase(): Promise<void> {
    const admin = new Client({ connectionString: ADMIN_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query('DROP DATABASE IF EXISTS vigil_bench WITH (FORCE)');
    } finally {
      await admin.end();
    }
    await this.cli('db:migrate');
  }

  async startWorker(options: { concurrency?: number; env?: Record<string, string> } = {}): Promise<Service> {
    const port = await freePort();
    const env: Record<string, string> = { ...options.env, WORKER_PORT: String(port) };
    if (options.concurrency) env.INGEST_CONCURRENCY = String(options.concurrency);
    return this.start('worker', ENTRY.worker, port, env);
  }

  /** `cache: false` turns the analytics cache off, so a query bench times the computation, not a cache hit. */
  async startApi(options: { name?: string; selfInstrumentation?: boolean; cache?: boolean; env?: Record<string, string> } = {}): Promise<Service> {
    const port = await freePort();
    const env: Record<string, string> = { ...options.env, API_PORT: String(port) };
    if (options.selfInstrumentation !== undefined) env.SELF_INSTRUMENTATION = String(options.selfInstrumentation);
    if (options.cache === false) for (const category of ['SUMMARY', 'ENDPOINTS', 'TIMESERIES', 'DASHBOARD']) env[`CACHE_TTL_${category}_SECONDS`] = '0';
    return this.start(options.name ?? 'api', ENTRY.api, port, env);
  }

  /** A new project and its ingest key, through the CLI as an operator would. */
  async createKey(name: string): Promise<IngestKey> {
    const output = await this.cli('keys:create', '--name', name);
    const key = output.trim().split('\n').at(-1) ?? '';
    const client = new Client({ connectionString: BENCH_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ id: string }>('SELECT id FROM projects WHERE name = $1', [name]);
      return { key, projectId: rows[0].id };
    } finally {
      await client.end();
    }
  }

  /** A management API call with the admin token; a non-2xx answer fails the bench. */
  async manage<T>(api: Service, method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${api.url}/api/v1/${path}`, {
      method,
      headers: { authorization: `Bearer ${this.adminToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }

  /** Stops the processes (gracefully, then by force) and removes the bench's Redis keys. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  /** Last resort from the 'exit' handler, which cannot wait: nothing may outlive the bench. */
  killNow(): void {
    for (const child of this.children) if (isRunning(child.process)) child.process.kill('SIGKILL');
  }

  private async stopAll(): Promise<void> {
    await Promise.all(this.children.map((child) => stopProcess(child.process)));
    // Only now: the APIs flush their self-metrics into the queue while shutting down.
    await deleteKeys(`${this.prefix}:*`).catch((error: Error) => console.error(`redis cleanup failed: ${error.message}`));
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private async start(name: string, entry: string, port: number, env: Record<string, string>): Promise<Service> {
    const child = spawn(process.execPath, [entry], { cwd: this.workDir, env: this.env(env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push({ name, process: child });
    forwardOutput(name, child);
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.crash(new Error(`${name} exited unexpectedly (${signal ?? `code ${code}`})`));
    });
    const url = `http://127.0.0.1:${port}`;
    await waitReady(name, url);
    return { name, url };
  }

  private async cli(...args: string[]): Promise<string> {
    const { stdout } = await promisify(execFile)(process.execPath, [ENTRY.cli, ...args], { cwd: this.workDir, env: this.env({}) });
    return stdout;
  }

  /** Only what the bench sets: nothing from the caller's shell (a DATABASE_URL, say) leaks in. */
  private env(extra: Record<string, string>): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      DATABASE_URL: BENCH_DATABASE_URL,
      REDIS_URL,
      REDIS_KEY_PREFIX: this.prefix,
      ADMIN_TOKEN: this.adminToken,
      API_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      LOG_REQUESTS: 'false',
      // Benches measure throughput, not the per-key budget.
      RATE_LIMIT_INGEST: '0',
      RATE_LIMIT_MANAGEMENT: '0',
      ...extra,
    };
  }
}

/**
 * Runs a bench: its result line is printed last, after cleanup, and the
 * process exits 0 only if the bench finished. Children are stopped on every
 * path: success, failure, a crashed child, Ctrl-C or the deadline.
 */
export function runBench(bench: (stack: BenchStack) => Promise<string>, options: { deadlineMs?: number } = {}): void {
  const deadlineMs = options.deadlineMs ?? BENCH_DEADLINE_MS;
  const stack = new BenchStack();
  process.once('exit', () => stack.killNow());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stack.stop().finally(() => process.exit(130)));
  }
  const deadline = sleep(deadlineMs, undefined, { ref: false }).then(() => {
    throw new Error(`bench did not finish within ${deadlineMs / 1000} s`);
  });

  Promise.race([bench(stack), stack.crashed, deadline]).then(
    async (line) => {
      await stack.stop();
      console.log(line);
      process.exit(0);
    },
    async (error: Error) => {
      console.error(`bench failed: ${error.message}`);
      await stack.stop();
      process.exit(1);
    },
  );
}

/** A run ends after a number of requests or a number of seconds. */
export type LoadOptions = { url: string; key: string; body: string; connections: number } & (
  | { amount: number }
  | { seconds: number }
);

export interface LoadResult {
  /** 2xx responses: with no failures allowed, every request sent. */
  accepted: number;
  seconds: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** POSTs one pre-built batch body over and over; any request that is not 2xx fails the bench. */
export async function postBatches(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: `${options.url}/api/v1/ingest/requests`,
    method: 'POST',
    headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
    body: options.body,
    connections: options.connections,
    // autocannon rejects an explicit `duration: undefined`, so only one of the two is passed.
    ...('amount' in options ? { amount: options.amount } : { duration: options.seconds }),
    // The run ends on a sample tick: 100 ms keeps its measured duration tight.
    sampleInt: 100,
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed) {
    throw new Error(`${failed} requests failed: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { accepted: result['2xx'], seconds: result.duration, latencyP50Ms: result.latency.p50, latencyP99Ms: result.latency.p99 };
}

/** One request event as the benches send it; `i` varies the request id. */
export function sampleEvent(i: number, timestamp: number) {
  return { timestamp, service: 'bench', method: 'GET', route: '/orders/:id', status: 200, durationMs: 12.5, requestId: `r${i}` };
}

/** `{"events":[...]}` with `count` events stamped now. */
export function batchBody(count: number): string {
  const now = Date.now();
  return JSON.stringify({ events: Array.from({ length: count }, (_, i) => sampleEvent(i, now)) });
}

/** A positive integer from the environment, or the default. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** The middle value: a round that a noisy neighbour slowed (or an idle moment sped up) does not move it. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** A port the OS just had free; the child binds it a moment later. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

async function waitReady(name: string, url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const ready = await fetch(`${url}/health/ready`).then((r) => r.ok, () => false);
    if (ready) return;
    await sleep(200);
  }
  throw new Error(`${name} was not ready at ${url}/health/ready within ${READY_TIMEOUT_MS / 1000} s`);
}

/** Child logs go to stderr, prefixed, so that stdout holds only the bench's own lines. */
function forwardOutput(name: string, child: ChildProcess): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream) createInterface({ input: stream }).on('line', (line) => process.stderr.write(`[${name}] ${line}\n`));
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

async function deleteKeys(pattern: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    for await (const keys of redis.scanStream({ match: pattern, count: 1000 }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

/** A small, fast, seedable PRNG: Math.random cannot be seeded. */
export function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
