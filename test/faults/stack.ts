import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { exited, runCli, spawnApp } from '../helpers/apps';
import { ADMIN_TOKEN } from '../helpers/env';
import { count5xx, FaultResult, LoadStats, waitFor } from './load';
import { freePort, ScratchPostgres, ScratchRedis, storedEvents } from './services';

/** A built app as a process whose output is kept (the tail goes into a failure message). */
export class AppProcess {
  output = '';
  readonly child: ChildProcess;

  constructor(
    readonly name: 'api' | 'worker',
    env: Record<string, string>,
  ) {
    this.child = spawnApp(name, env);
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-200_000));
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
  }

  async ready(): Promise<this> {
    const marker = this.name === 'api' ? 'vigil API listening' : 'vigil worker consuming';
    const deadline = Date.now() + 60_000;
    while (!this.output.includes(marker)) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited ${this.child.exitCode}:\n${this.output.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`${this.name} not ready:\n${this.output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this;
  }

  /** The exit code, or the signal that ended it (after a graceful shutdown Nest re-raises SIGTERM). */
  async stop(signal: NodeJS.Signals): Promise<number | string | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill(signal);
      await exited(this.child);
    }
    return this.child.signalCode ?? this.child.exitCode;
  }
}

/**
 * Postgres, Redis, API and workers of a fault test's own, on ports of their
 * own. The API listens on a fixed port so that a restarted one is found at the same URL.
 */
export class FaultStack {
  pg!: ScratchPostgres;
  redis!: ScratchRedis;
  env!: Record<string, string>;
  apiUrl!: string;
  projectId!: string;
  key!: string;
  readonly apps: AppProcess[] = [];

  async start(overrides: Record<string, string> = {}): Promise<void> {
    this.pg = new ScratchPostgres(await freePort());
    this.pg.start();
    this.redis = new ScratchRedis(await freePort());
    await this.redis.start();
    const apiPort = await freePort();
    this.apiUrl = `http://127.0.0.1:${apiPort}`;
    this.env = {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      LOG_REQUESTS: 'false',
      DATABASE_URL: this.pg.url,
      REDIS_URL: this.redis.url,
      REDIS_KEY_PREFIX: `vigil-fault-${randomBytes(3).toString('hex')}`,
      ADMIN_TOKEN,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      WORKER_PORT: '0',
      WORKER_SCHEDULES: 'false',
      WORKER_LOCK_DURATION_MS: '5000',
      WORKER_STALLED_INTERVAL_MS: '2000',
      SELF_INSTRUMENTATION: 'false',
      RATE_LIMIT_INGEST: '0',
      ...overrides,
    };
    const migrated = await runCli(this.env, ['db:migrate']);
    if (migrated.code !== 0) throw new Error(`db:migrate: ${migrated.stderr}`);
    const created = await runCli(this.env, ['keys:create', '--name', 'fault']);
    if (created.code !== 0) throw new Error(`keys:create: ${created.stderr}`);
    this.key = created.stdout.trim().split('\n').at(-1)!;
    this.projectId = /\(([0-9a-f-]{36})\)/.exec(created.stdout)![1];
  }

  /** The level is raised to info so that the ready line is printed. */
  spawn(name: 'api' | 'worker', overrides: Record<string, string> = {}): Promise<AppProcess> {
    const app = new AppProcess(name, { ...this.env, LOG_LEVEL: 'info', ...overrides });
    this.apps.push(app);
    return app.ready();
  }

  /**
   * Waits (up to 10 min) until every acknowledged event is stored, then a
   * little longer so that a late redelivery would show up as a duplicate.
   */
  async outcome(load: LoadStats): Promise<FaultResult & { drained: boolean }> {
    const drained = await waitFor(async () => (await storedEvents(this.pg.url, this.projectId)).distinct >= load.acceptedEvents, 10 * 60_000);
    await new Promise((r) => setTimeout(r, 3000));
    const stored = await storedEvents(this.pg.url, this.projectId);
    return {
      drained,
      sent: load.acceptedEvents,
      stored: stored.distinct,
      lost: load.acceptedEvents - stored.distinct,
      duplicated: stored.rows - stored.distinct,
      status5xx: count5xx(load),
    };
  }

  async destroy(): Promise<void> {
    await Promise.all(this.apps.map((app) => app.stop('SIGKILL')));
    await this.redis?.destroy();
    this.pg?.destroy();
  }
}
