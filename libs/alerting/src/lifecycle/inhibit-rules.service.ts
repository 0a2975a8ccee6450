import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { bodyValidator, ConflictError, NotFoundError } from '@vigil/common';
import { DataSource } from 'typeorm';
import type { Matcher } from './alert-lifecycle';
import { checkMatchers, matchersSchema } from './silences.service';

interface InhibitRuleInput {
  name: string;
  sourceMatchers: Matcher[];
  targetMatchers: Matcher[];
  equal?: string[];
}

const shape = bodyValidator<InhibitRuleInput>({
  type: 'object',
  additionalProperties: false,
  required: ['name', 'sourceMatchers', 'targetMatchers'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    sourceMatchers: matchersSchema,
    targetMatchers: matchersSchema,
    equal: { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 100 } },
  },
});

const COLUMNS = `id, name, source_matchers AS "sourceMatchers", target_matchers AS "targetMatchers", equal`;

/** Inhibit rules: while a source alert fires, matching targets with equal labels are not notified. */
@Injectable()
export class InhibitRulesService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  list() {
    return this.db.query(`SELECT ${COLUMNS} FROM inhibit_rules ORDER BY name`);
  }

  async create(body: unknown) {
    const input = shape(body);
    checkMatchers(input.sourceMatchers, 'sourceMatchers');
    checkMatchers(input.targetMatchers, 'targetMatchers');
    try {
      const [row] = await this.db.query(
        `INSERT INTO inhibit_rules (name, source_matchers, target_matchers, equal) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
        [input.name, JSON.stringify(input.sourceMatchers), JSON.stringify(input.targetMatchers), input.equal ?? []],
      );
      return row;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new ConflictError(`an inhibit rule named "${input.name}" already exists`);
      throw error;
    }
  }

  async remove(id: string): Promise<void> {
    const [, affected] = await this.db.query(`DELETE FROM inhibit_rules WHERE id = $1`, [id]);
    if (!affected) throw new NotFoundError(`inhibit rule ${id} not found`);
  }
}
