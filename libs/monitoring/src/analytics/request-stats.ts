import { DDSketch } from '@datadog/sketches-js';
import { mergeEncoded, newSketch } from '../rollups/latency-sketch';

/** One rollup row as read for a query. */
export interface RequestRollupRow {
  service: string;
  method: string;
  route: string;
  count: string;
  status_4xx: string;
  status_5xx: string;
  duration_sum: number;
  duration_max: number;
  sketch: Buffer;
}

export interface RequestStats {
  requests: number;
  throughputPerSec: number;
  errorRate: number;
  clientErrorRate: number;
  avgMs: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** Merges rollup rows (any resolution, any grouping) into one set of numbers. */
export class RequestStatsAccumulator {
  private count = 0;
  private errors5xx = 0;
  private errors4xx = 0;
  private durationSum = 0;
  private durationMax = 0;
  private readonly sketch: DDSketch = newSketch();

  add(row: RequestRollupRow): void {
    this.count += Number(row.count);
    this.errors5xx += Number(row.status_5xx);
    this.errors4xx += Number(row.status_4xx);
    this.durationSum += row.duration_sum;
    if (row.duration_max > this.durationMax) this.durationMax = row.duration_max;
    mergeEncoded(this.sketch, row.sketch);
  }

  /** Adds another accumulator's totals: merging per-group results is cheaper than re-reading rows. */
  merge(other: RequestStatsAccumulator): void {
    this.count += other.count;
    this.errors5xx += other.errors5xx;
    this.errors4xx += other.errors4xx;
    this.durationSum += other.durationSum;
    if (other.durationMax > this.durationMax) this.durationMax = other.durationMax;
    if (other.count) this.sketch.merge(other.sketch);
  }

  quantile(q: number): number | null {
    return this.count ? round(this.sketch.getValueAtQuantile(q)) : null;
  }

  stats(windowSeconds: number): RequestStats {
    const n = this.count;
    return {
      requests: n,
      throughputPerSec: round(n / windowSeconds),
      errorRate: n ? round(this.errors5xx / n, 5) : 0,
      clientErrorRate: n ? round(this.errors4xx / n, 5) : 0,
      avgMs: n ? round(this.durationSum / n) : null,
      p50Ms: this.quantile(0.5),
      p95Ms: this.quantile(0.95),
      p99Ms: this.quantile(0.99),
      maxMs: n ? round(this.durationMax) : null,
    };
  }
}

export function round(n: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
