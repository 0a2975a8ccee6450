import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ConflictError, NotFoundError } from '@vigil/common';
import { DataSource } from 'typeorm';
import { maskAddress, TargetInput, TargetKind, validateTargetPatch } from './target-input';

export type TargetStatus = 'unknown' | 'up' | 'down';

/** A target as stored, with its credentials (for the worker's probes only). */
export interface TargetRow {
  id: string;
  name: string;
  kind: TargetKind;
  address: string | null;
  expectedStatus: number;
  keyword: string | null;
  timeoutMs: number;
  intervalSeconds: number;
  enabled: boolean;
  builtin: boolean;
  status: TargetStatus;
  consecutiveFailures: number;
  lastCheckedAt: Date | null;
  lastResponseMs: number | null;
  lastError: string | null;
  statusSince: Date | null;
}

export interface CheckResult {
  status: 'up' | 'down';
  responseMs: number | null;
  error: string | null;
}

export const UPTIME_PERIODS = { '24h': 1, '7d': 7, '30d': 30 } as const;
type Uptime = Record<keyof typeof UPTIME_PERIODS, number | null>;

const COLUMNS = `id, name, kind, address, expected_status AS "expectedStatus", keyword, timeout_ms AS "timeoutMs",
  interval_seconds AS "intervalSeconds", enabled, builtin, status, consecutive_failures AS "consecutiveFailures",
  last_checked_at AS "lastCheckedAt", last_response_ms AS "lastResponseMs", last_error AS "lastError", status_since AS "statusSince"`;

const UNIQUE_VIOLATION = '23505';

/**
 * Service and uptime check targets, their results and uptime. Used by the API,
 * the CLI (services file) and the worker (recording each check).
 */
@Injectable()
export class ServiceTargetsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Every target with its current status and uptime over 24 h, 7 d and 30 d, addresses masked. */
  async list(): Promise<Array<ReturnType<typeof shown> & { uptime: Uptime }>> {
    const targets: TargetRow[] = await this.db.query(`SELECT ${COLUMNS} FROM service_targets ORDER BY name`);
    const uptime = await this.uptime();
    return targets.map((t) => ({ ...shown(t), uptime: uptime.get(t.id) ?? { '24h': null, '7d': null, '30d': null } }));
  }

  async get(id: string) {
    return shown(await this.row(id));
  }

  /** The stored row, credentials included: for probes, never for answers. */
  async row(id: string): Promise<TargetRow> {
    const [row] = await this.db.query(`SELECT ${COLUMNS} FROM service_targets WHERE id = $1`, [id]);
    if (!row) throw new NotFoundError(`no service target ${id}`);
    return row;
  }

  async create(input: TargetInput) {
    try {
      const [row] = await this.db.query(
        `INSERT INTO service_targets (name, kind, address, expected_status, keyword, timeout_ms, interval_seconds, enabled)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        valuesOf(input),
      );
      return shown(row);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictError(`a service target named ${input.name} exists`);
      throw error;
    }
  }

  /** A builtin target (vigil's own dependency) keeps its kind and address; its other settings can change. */
  async update(id: string, patch: unknown) {
    const current = await this.row(id);
    const next = validateTargetPatch(patch, inputOf(current));
    if (current.builtin && (next.kind !== current.kind || (next.address ?? null) !== current.address || next.name !== current.name)) {
      throw new ConflictError('a builtin target keeps its name, kind and address; disable it instead');
    }
    try {
      const [rows] = await this.db.query(
        `UPDATE service_targets SET name = $1, kind = $2, address = $3, expected_status = $4, keyword = $5, timeout_ms = $6,
           interval_seconds = $7, enabled = $8, updated_at = now() WHERE id = $9 RETURNING ${COLUMNS}`,
        [...valuesOf(next), id],
      );
      return shown(rows[0]);
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictError(`a service target named ${next.name} exists`);
      throw error;
    }
  }

  async remove(id: string): Promise<void> {
    const target = await this.row(id);
    if (target.builtin) throw new ConflictError('a builtin target cannot be deleted; disable it instead');
    await this.db.query(`DELETE FROM service_targets WHERE id = $1`, [id]);
  }

  /** Creates or updates targets by name (the services file); returns what changed. */
  async apply(inputs: TargetInput[]): Promise<{ created: string[]; updated: string[] }> {
    const existing = new Map<string, TargetRow>(
      (await this.db.query(`SELECT ${COLUMNS} FROM service_targets`) as TargetRow[]).map((t) => [t.name, t]),
    );
    const result = { created: [] as string[], updated: [] as string[] };
    for (const input of inputs) {
      const current = existing.get(input.name);
      if (!current) {
        await this.create(input);
        result.created.push(input.name);
      } else if (JSON.stringify(inputOf(current)) !== JSON.stringify(inputOf({ ...current, ...defaultsOf(input) }))) {
        await this.update(current.id, input);
        result.updated.push(input.name);
      }
    }
    return result;
  }

  /** A target's checks, newest first. */
  async history(id: string, limit: number, since?: Date) {
    await this.row(id);
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT status, response_time_ms, error, metadata, checked_at FROM service_health
       WHERE target_id = $1 AND checked_at >= $2 ORDER BY checked_at DESC LIMIT ${limit}`,
      [id, since ?? new Date(0)],
    );
    return rows.map((r) => ({
      checkedAt: (r.checked_at as Date).toISOString(),
      status: r.status,
      responseMs: r.response_time_ms,
      error: r.error,
      changed: (r.metadata as { changed?: boolean }).changed === true,
    }));
  }

  /** Enabled targets: what the dispatcher schedules. */
  enabledTargets(): Promise<Array<{ id: string; intervalSeconds: number }>> {
    return this.db.query(`SELECT id, interval_seconds AS "intervalSeconds" FROM service_targets WHERE enabled`);
  }

  /**
   * Stores one check: its row in `service_health`, the hour's uptime, and the
   * target's current status. A status change is marked on the row and returned.
   */
  async record(targetId: string, result: CheckResult, at: Date): Promise<{ name: string; from: TargetStatus; to: TargetStatus; changed: boolean } | null> {
    return this.db.transaction(async (tx) => {
      const [target] = await tx.query(`SELECT name, status FROM service_targets WHERE id = $1 FOR UPDATE`, [targetId]);
      if (!target) return null; // deleted since the check was scheduled
      const changed = target.status !== result.status;
      await tx.query(
        `INSERT INTO service_health (service, status, response_time_ms, error, metadata, checked_at, target_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [target.name, result.status, result.responseMs, result.error, changed ? { changed: true, from: target.status } : {}, at, targetId],
      );
      await tx.query(
        `INSERT INTO service_uptime_hourly (target_id, hour, checks, up, response_ms_sum) VALUES ($1, date_trunc('hour', $2::timestamptz), 1, $3, $4)
         ON CONFLICT (target_id, hour) DO UPDATE SET checks = service_uptime_hourly.checks + 1, up = service_uptime_hourly.up + EXCLUDED.up,
           response_ms_sum = service_uptime_hourly.response_ms_sum + EXCLUDED.response_ms_sum`,
        [targetId, at, result.status === 'up' ? 1 : 0, result.responseMs ?? 0],
      );
      await tx.query(
        `UPDATE service_targets SET status = $2, last_checked_at = $3, last_response_ms = $4, last_error = $5,
           consecutive_failures = CASE WHEN $2 = 'down' THEN consecutive_failures + 1 ELSE 0 END,
           status_since = CASE WHEN $6 THEN $3 ELSE status_since END
         WHERE id = $1`,
        [targetId, result.status, at, result.responseMs, result.error, changed],
      );
      return { name: target.name as string, from: target.status as TargetStatus, to: result.status, changed };
    });
  }

  private async uptime(): Promise<Map<string, Uptime>> {
    const rows: Array<Record<string, unknown>> = await this.db.query(
      `SELECT target_id,
         ${Object.entries(UPTIME_PERIODS)
           .map(([, days], i) => `sum(up) FILTER (WHERE hour >= now() - interval '${days} days') AS up${i}, sum(checks) FILTER (WHERE hour >= now() - interval '${days} days') AS n${i}`)
           .join(', ')}
       FROM service_uptime_hourly WHERE hour >= now() - interval '30 days' GROUP BY target_id`,
    );
    const pct = (up: unknown, n: unknown) => (Number(n) > 0 ? Math.round((Number(up) / Number(n)) * 100_000) / 1000 : null);
    return new Map(rows.map((r) => [r.target_id as string, { '24h': pct(r.up0, r.n0), '7d': pct(r.up1, r.n1), '30d': pct(r.up2, r.n2) }]));
  }
}

function valuesOf(t: TargetInput): unknown[] {
  const d = defaultsOf(t);
  return [d.name, d.kind, d.address, d.expectedStatus, d.keyword, d.timeoutMs, d.intervalSeconds, d.enabled];
}

function defaultsOf(t: TargetInput): Required<TargetInput> {
  return {
    name: t.name,
    kind: t.kind,
    address: t.address ?? null,
    expectedStatus: t.expectedStatus ?? 200,
    keyword: t.keyword ?? null,
    timeoutMs: t.timeoutMs ?? 5000,
    intervalSeconds: t.intervalSeconds ?? 60,
    enabled: t.enabled ?? true,
  };
}

function inputOf(t: TargetRow | Required<TargetInput>): Required<TargetInput> {
  return defaultsOf({ name: t.name, kind: t.kind, address: t.address, expectedStatus: t.expectedStatus, keyword: t.keyword, timeoutMs: t.timeoutMs, intervalSeconds: t.intervalSeconds, enabled: t.enabled });
}

/** A target as answered: the address without its password. */
function shown(t: TargetRow) {
  return {
    ...t,
    address: maskAddress(t.address),
    lastCheckedAt: t.lastCheckedAt && new Date(t.lastCheckedAt).toISOString(),
    statusSince: t.statusSince && new Date(t.statusSince).toISOString(),
  };
}
