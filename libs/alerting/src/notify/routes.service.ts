import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { bodyValidator, ConflictError, NotFoundError, ValidationError } from '@vigil/common';
import { DataSource } from 'typeorm';
import { Matcher, matchesAll } from '../lifecycle/alert-lifecycle';
import { checkMatchers, matchersSchema } from '../lifecycle/silences.service';

export interface RouteRow {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  matchers: Matcher[];
  channelIds: string[];
  groupBy: string[];
  groupWaitSeconds: number;
  groupIntervalSeconds: number;
  repeatIntervalSeconds: number;
  sendResolved: boolean;
  fallbackChannelId: string | null;
  escalateAfterSeconds: number | null;
  escalationChannelIds: string[];
  continue: boolean;
}

type Queryable = Pick<DataSource, 'query'>;
type RouteInput = Partial<Omit<RouteRow, 'id'>> & { name: string; channelIds: string[] };

const seconds = (max: number) => ({ type: 'integer', minimum: 0, maximum: max });
const ids = (min: number) => ({ type: 'array', minItems: min, maxItems: 20, uniqueItems: true, items: { type: 'string', format: 'uuid' } });
const properties = {
  name: { type: 'string', minLength: 1, maxLength: 200 },
  position: { type: 'integer', minimum: 0, maximum: 1_000_000 },
  enabled: { type: 'boolean' },
  matchers: { ...matchersSchema, minItems: 0 },
  channelIds: ids(1),
  // Labels that make a group; `...` groups by every label (one group per alert).
  groupBy: { type: 'array', maxItems: 20, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 100 } },
  groupWaitSeconds: seconds(3600),
  groupIntervalSeconds: seconds(86_400),
  repeatIntervalSeconds: seconds(30 * 86_400),
  sendResolved: { type: 'boolean' },
  fallbackChannelId: { type: ['string', 'null'], format: 'uuid' },
  escalateAfterSeconds: { type: ['integer', 'null'], minimum: 60, maximum: 30 * 86_400 },
  escalationChannelIds: ids(0),
  continue: { type: 'boolean' },
};
const createShape = bodyValidator<RouteInput>({ type: 'object', additionalProperties: false, required: ['name', 'channelIds'], properties });
const updateShape = bodyValidator<Partial<RouteInput>>({ type: 'object', additionalProperties: false, minProperties: 1, properties });

const COLUMNS = `id, name, position, enabled, matchers, channel_ids AS "channelIds", group_by AS "groupBy", group_wait_seconds AS "groupWaitSeconds",
  group_interval_seconds AS "groupIntervalSeconds", repeat_interval_seconds AS "repeatIntervalSeconds", send_resolved AS "sendResolved",
  fallback_channel_id AS "fallbackChannelId", escalate_after_seconds AS "escalateAfterSeconds", escalation_channel_ids AS "escalationChannelIds", continue`;

/** The labels a route matches and groups on: the alert's own, plus its severity and rule. */
export function routingLabels(payload: { labels?: Record<string, string>; rule?: string }, severity: string): Record<string, string> {
  return { ...(payload.labels ?? {}), severity, ...(payload.rule ? { rule: payload.rule } : {}) };
}

/** Alertmanager's order: routes in position order, the first match wins unless it says `continue`. */
export function matchRoutes(routes: RouteRow[], labels: Record<string, string>): RouteRow[] {
  const matched: RouteRow[] = [];
  for (const route of routes) {
    if (!route.enabled || !matchesAll(route.matchers, labels)) continue;
    matched.push(route);
    if (!route.continue) break;
  }
  return matched;
}

/** A group's key and labels: the values of the route's group_by labels. */
export function groupOf(route: RouteRow, labels: Record<string, string>): { key: string; labels: Record<string, string> } {
  const names = route.groupBy.includes('...') ? Object.keys(labels).sort() : [...route.groupBy].sort();
  const picked = Object.fromEntries(names.map((n) => [n, labels[n] ?? '']));
  return { key: names.map((n) => `${n}=${picked[n]}`).join(',') || '*', labels: picked };
}

/** Routes: which alerts go to which channels, grouped how, repeated when, escalated where. */
@Injectable()
export class RoutesService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** `db`: the caller's transaction, so that one holding a connection does not wait for a second. */
  list(db: Queryable = this.db): Promise<RouteRow[]> {
    return db.query(`SELECT ${COLUMNS} FROM notification_routes ORDER BY position, name`);
  }

  async get(id: string, db: Queryable = this.db): Promise<RouteRow> {
    const [row] = await db.query(`SELECT ${COLUMNS} FROM notification_routes WHERE id = $1`, [id]);
    if (!row) throw new NotFoundError(`route ${id} not found`);
    return row;
  }

  async create(body: unknown): Promise<RouteRow> {
    const input = createShape(body);
    await this.check(input);
    try {
      const [row] = await this.db.query(
        `INSERT INTO notification_routes (name, position, enabled, matchers, channel_ids, group_by, group_wait_seconds, group_interval_seconds,
           repeat_interval_seconds, send_resolved, fallback_channel_id, escalate_after_seconds, escalation_channel_ids, continue)
         VALUES ($1, coalesce($2, 100), coalesce($3, true), $4, $5::uuid[], coalesce($6::text[], '{rule}'), coalesce($7, 0), coalesce($8, 60), coalesce($9, 14400),
           coalesce($10, true), $11, $12, coalesce($13::uuid[], '{}'), coalesce($14, false)) RETURNING ${COLUMNS}`,
        [
          input.name, input.position ?? null, input.enabled ?? null, JSON.stringify(input.matchers ?? []), input.channelIds, input.groupBy ?? null,
          input.groupWaitSeconds ?? null, input.groupIntervalSeconds ?? null, input.repeatIntervalSeconds ?? null, input.sendResolved ?? null,
          input.fallbackChannelId ?? null, input.escalateAfterSeconds ?? null, input.escalationChannelIds ?? null, input.continue ?? null,
        ],
      );
      return row;
    } catch (error) {
      throw this.conflict(error, input.name);
    }
  }

  async update(id: string, body: unknown): Promise<RouteRow> {
    const input = updateShape(body);
    const merged = { ...(await this.get(id)), ...input };
    await this.check(merged);
    try {
      const [[row]] = await this.db.query(
        `UPDATE notification_routes SET name = $2, position = $3, enabled = $4, matchers = $5, channel_ids = $6, group_by = $7, group_wait_seconds = $8,
           group_interval_seconds = $9, repeat_interval_seconds = $10, send_resolved = $11, fallback_channel_id = $12, escalate_after_seconds = $13,
           escalation_channel_ids = $14, continue = $15, updated_at = now() WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          id, merged.name, merged.position, merged.enabled, JSON.stringify(merged.matchers), merged.channelIds, merged.groupBy, merged.groupWaitSeconds,
          merged.groupIntervalSeconds, merged.repeatIntervalSeconds, merged.sendResolved, merged.fallbackChannelId, merged.escalateAfterSeconds,
          merged.escalationChannelIds, merged.continue,
        ],
      );
      return row;
    } catch (error) {
      throw this.conflict(error, merged.name);
    }
  }

  async remove(id: string): Promise<void> {
    const [, affected] = await this.db.query(`DELETE FROM notification_routes WHERE id = $1`, [id]);
    if (!affected) throw new NotFoundError(`route ${id} not found`);
  }

  /** Every channel a route names must exist; a 400 names the one that does not. */
  private async check(input: Partial<RouteInput>): Promise<void> {
    checkMatchers(input.matchers ?? [], 'matchers');
    const named: Array<[string, string]> = [
      ...(input.channelIds ?? []).map((id, i): [string, string] => [`channelIds[${i}]`, id]),
      ...(input.escalationChannelIds ?? []).map((id, i): [string, string] => [`escalationChannelIds[${i}]`, id]),
      ...(input.fallbackChannelId ? [['fallbackChannelId', input.fallbackChannelId] as [string, string]] : []),
    ];
    if (input.escalateAfterSeconds && !input.escalationChannelIds?.length) {
      throw new ValidationError([{ path: 'escalationChannelIds', message: 'must name at least one channel when escalateAfterSeconds is set' }]);
    }
    const rows: Array<{ id: string }> = await this.db.query(`SELECT id FROM channels WHERE id = ANY($1)`, [named.map(([, id]) => id)]);
    const known = new Set(rows.map((r) => r.id));
    const missing = named.filter(([, id]) => !known.has(id));
    if (missing.length) throw new ValidationError(missing.map(([path, id]) => ({ path, message: `names no channel (${id})` })));
  }

  private conflict(error: unknown, name: string): unknown {
    return (error as { code?: string }).code === '23505' ? new ConflictError(`a route named "${name}" already exists`) : error;
  }
}
