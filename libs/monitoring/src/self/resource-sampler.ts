import { statfs } from 'node:fs/promises';
import { hostname, totalmem, availableParallelism } from 'node:os';
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ENV, Env } from '@vigil/common';
import { Gauge, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { SelfMetricsRecorder } from './self-metrics.recorder';

export interface ResourceSample {
  cpuPercent: number;
  memoryPercent: number;
  memoryRssBytes: number;
  diskPercent: number | null;
  eventLoopLagMs: number;
  pool: { total: number; idle: number; waiting: number } | null;
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * This process's CPU, memory, disk and event-loop lag, and its pg pool, stored
 * every RESOURCE_SAMPLE_INTERVAL_MS in `resource_samples` so that threshold
 * rules on cpu, memory, disk and event_loop_lag evaluate real data. Each
 * process (API, worker replicas) samples itself: this is per-process work, not
 * a scheduled job. Losing a sample while Postgres is away is acceptable.
 */
@Injectable()
export class ResourceSampler implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Resources');
  private readonly instance = `${hostname()}:${process.pid}`;
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(ENV) private readonly env: Env,
    private readonly recorder: SelfMetricsRecorder,
    registry: Registry,
  ) {
    const pool = () => this.pool();
    new Gauge({
      name: 'vigil_db_pool_connections',
      help: "Connections of this process's Postgres pool: total, idle, and callers waiting for one",
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const p = pool();
        if (!p) return;
        this.set({ state: 'total' }, p.total);
        this.set({ state: 'idle' }, p.idle);
        this.set({ state: 'waiting' }, p.waiting);
      },
    });
  }

  onModuleInit(): void {
    this.loop.enable();
    this.timer = setInterval(() => void this.store(), this.env.RESOURCE_SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.loop.disable();
  }

  /** Usage since the previous sample (CPU, event-loop lag) or now (memory, disk, pool). */
  async sample(): Promise<ResourceSample> {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedMicros = Math.max(1, (now - this.lastAt) * 1000);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const lagMs = Number.isNaN(this.loop.mean) ? 0 : this.loop.mean / 1e6;
    this.loop.reset();
    const rss = process.memoryUsage.rss();
    // A container's limit where there is one, else the machine's memory.
    const limit = process.constrainedMemory?.() || 0;
    const memory = limit > 0 && limit < totalmem() ? limit : totalmem();
    return {
      cpuPercent: round(((cpu.user + cpu.system) / elapsedMicros / availableParallelism()) * 100),
      memoryPercent: round((rss / memory) * 100),
      memoryRssBytes: rss,
      diskPercent: await this.disk(),
      eventLoopLagMs: round(lagMs),
      pool: this.pool(),
    };
  }

  /** Takes a sample and stores it. */
  async store(at = new Date()): Promise<void> {
    try {
      const s = await this.sample();
      await this.db.query(
        `INSERT INTO resource_samples (ts, service, instance, cpu_percent, memory_percent, memory_rss_bytes, disk_percent, event_loop_lag_ms, pool_total, pool_idle, pool_waiting)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [at, this.recorder.client.service, this.instance, s.cpuPercent, s.memoryPercent, s.memoryRssBytes, s.diskPercent, s.eventLoopLagMs, s.pool?.total, s.pool?.idle, s.pool?.waiting],
      );
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'resource sample not stored');
    }
  }

  /** Used share of the filesystem holding RESOURCE_DISK_PATH, as `df` counts it. */
  private async disk(): Promise<number | null> {
    try {
      const fs = await statfs(this.env.RESOURCE_DISK_PATH);
      const used = fs.blocks - fs.bfree;
      return round((used / Math.max(1, used + fs.bavail)) * 100);
    } catch {
      return null;
    }
  }

  private pool(): ResourceSample['pool'] {
    const master = (this.db.driver as unknown as { master?: PgPool }).master;
    return master ? { total: master.totalCount, idle: master.idleCount, waiting: master.waitingCount } : null;
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
