import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { bodyValidator, NotFoundError, ValidationError } from '@vigil/common';
import { DataSource } from 'typeorm';
import type { Matcher } from './alert-lifecycle';

export interface SilenceInput {
  matchers: Matcher[];
  startsAt?: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** Label matchers, as silences and inhibit rules take them. */
export const matchersSchema = {
  type: 'array',
  minItems: 1,
  maxItems: 20,
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['name', 'op', 'value'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      op: { type: 'string', enum: ['=', '!=', '=~', '!~'] },
      value: { type: 'string', maxLength: 500 },
    },
  },
};

/** Regular-expression matchers must compile; a 400 names the one that does not. */
export function checkMatchers(matchers: Matcher[], path: string): void {
  matchers.forEach((m, i) => {
    if (!m.op.endsWith('~')) return;
    try {
      new RegExp(m.value);
    } catch {
      throw new ValidationError([{ path: `${path}[${i}].value`, message: 'is not a valid regular expression' }]);
    }
  });
}

const shape = bodyValidator<SilenceInput>({
  type: 'object',
  additionalProperties: false,
  required: ['matchers', 'endsAt', 'createdBy', 'comment'],
  properties: {
    matchers: matchersSchema,
    startsAt: { type: 'string', format: 'date-time' },
    endsAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string', minLength: 1, maxLength: 100 },
    comment: { type: 'string', minLength: 1, maxLength: 2000 },
  },
});

const maintenanceShape = bodyValidator<{ service: string; startsAt: string; endsAt: string; createdBy: string; comment: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['service', 'startsAt', 'endsAt', 'createdBy', 'comment'],
  properties: {
    service: { type: 'string', minLength: 1, maxLength: 100 },
    startsAt: { type: 'string', format: 'date-time' },
    endsAt: { type: 'string', format: 'date-time' },
    createdBy: { type: 'string', minLength: 1, maxLength: 100 },
    comment: { type: 'string', minLength: 1, maxLength: 2000 },
  },
});

/**
 * Silences with Alertmanager's semantics: label matchers and a time range. A
 * silenced alert is still recorded; only its notifications are suppressed.
 * Deleting a silence expires it (its history stays).
 */
@Injectable()
export class SilencesService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async create(body: unknown) {
    const input = shape(body);
    checkMatchers(input.matchers, 'matchers');
    const startsAt = input.startsAt ? new Date(input.startsAt) : new Date();
    const endsAt = new Date(input.endsAt);
    if (endsAt <= startsAt) throw new ValidationError([{ path: 'endsAt', message: 'must be after startsAt' }]);
    const [row] = await this.db.query(
      `INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [JSON.stringify(input.matchers), startsAt, endsAt, input.createdBy, input.comment],
    );
    return row;
  }

  /**
   * A maintenance window: a scheduled silence of one service's alerts. Its
   * notifications are suppressed while it lasts; the alerts are still recorded.
   */
  async createMaintenanceWindow(body: unknown) {
    const input = maintenanceShape(body);
    return this.create({
      matchers: [{ name: 'service', op: '=', value: input.service }],
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      createdBy: input.createdBy,
      comment: `maintenance: ${input.comment}`,
    });
  }

  list(active: boolean) {
    return this.db.query(`SELECT ${COLUMNS} FROM silences ${active ? 'WHERE ends_at > now()' : ''} ORDER BY starts_at DESC`);
  }

  async expire(id: string): Promise<void> {
    const [, affected] = await this.db.query(`UPDATE silences SET ends_at = now() WHERE id = $1 AND ends_at > now()`, [id]);
    if (!affected) throw new NotFoundError(`active silence ${id} not found`);
  }
}

const COLUMNS = `id, matchers, starts_at AS "startsAt", ends_at AS "endsAt", created_by AS "createdBy", comment, created_at AS "createdAt"`;
