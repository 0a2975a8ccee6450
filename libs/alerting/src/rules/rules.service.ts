import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ConflictError, NotFoundError } from '@vigil/common';
import { QueryFailedError, Repository } from 'typeorm';
import { AlertRule } from './alert-rule.entity';
import { RuleInput, validateRule, validateRulePatch } from './rule-input';

/** Alert rules: validated on every write, names unique. */
@Injectable()
export class RulesService {
  constructor(@InjectRepository(AlertRule) private readonly rules: Repository<AlertRule>) {}

  list(): Promise<AlertRule[]> {
    return this.rules.find({ order: { name: 'ASC' } });
  }

  async get(id: string): Promise<AlertRule> {
    const rule = await this.rules.findOne({ where: { id } });
    if (!rule) throw new NotFoundError(`rule ${id} not found`);
    return rule;
  }

  async create(body: unknown): Promise<AlertRule> {
    return this.save(this.rules.create(validateRule(body) as Partial<AlertRule>));
  }

  async update(id: string, body: unknown): Promise<AlertRule> {
    const current = await this.get(id);
    const next = validateRulePatch(body, current as unknown as RuleInput);
    return this.save(this.rules.merge(current, next as Partial<AlertRule>));
  }

  async remove(id: string): Promise<void> {
    const result = await this.rules.delete({ id });
    if (!result.affected) throw new NotFoundError(`rule ${id} not found`);
  }

  private async save(rule: AlertRule): Promise<AlertRule> {
    try {
      return await this.rules.save(rule);
    } catch (error) {
      if (error instanceof QueryFailedError && (error as { code?: string }).code === '23505') {
        throw new ConflictError(`a rule named "${rule.name}" already exists`);
      }
      throw error;
    }
  }
}
