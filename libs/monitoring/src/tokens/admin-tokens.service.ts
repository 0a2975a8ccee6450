import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ENV, Env, FieldIssue, NotFoundError, ValidationError } from '@vigil/common';
import { LRUCache } from 'lru-cache';
import { IsNull, Repository } from 'typeorm';
import { cachedLookup, hashSecret, KEY_PREFIX_LENGTH } from '../keys/api-keys.service';
import { AdminToken, Role, ROLES } from './admin-token.entity';

/** `vgt_` and 192 random bits, so a token and an ingest key (`vgl_`) are told apart at a glance. */
export function generateAdminToken(): string {
  return `vgt_${randomBytes(24).toString('base64url')}`;
}

export interface CreatedToken {
  token: string;
  adminToken: AdminToken;
}

/**
 * Management tokens: shown once, stored hashed, cached like ingest keys
 * (API_KEY_CACHE_TTL_MS), so a revoked token can work on other API instances
 * for at most that long.
 */
@Injectable()
export class AdminTokensService {
  private readonly cache: LRUCache<string, { role: Role | null }>;

  constructor(
    @InjectRepository(AdminToken) private readonly tokens: Repository<AdminToken>,
    @Inject(ENV) env: Pick<Env, 'API_KEY_CACHE_TTL_MS'>,
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(1, env.API_KEY_CACHE_TTL_MS), noDeleteOnStaleGet: true });
  }

  async create(name: string, role: string): Promise<CreatedToken> {
    const issues: FieldIssue[] = [];
    if (typeof name !== 'string' || !name.trim() || name.length > 100) issues.push({ path: 'name', message: 'must be 1-100 characters' });
    if (!ROLES.includes(role as Role)) issues.push({ path: 'role', message: `must be one of ${ROLES.join(', ')}` });
    if (issues.length) throw new ValidationError(issues);
    const token = generateAdminToken();
    const adminToken = await this.tokens.save(
      this.tokens.create({ name, role: role as Role, prefix: token.slice(0, KEY_PREFIX_LENGTH), tokenHash: hashSecret(token) }),
    );
    delete (adminToken as Partial<AdminToken>).tokenHash;
    return { token, adminToken };
  }

  list(): Promise<AdminToken[]> {
    return this.tokens.find({ order: { createdAt: 'ASC' } });
  }

  async revoke(id: string): Promise<void> {
    const result = await this.tokens.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) throw new NotFoundError(`active token ${id} not found`);
    this.cache.clear();
  }

  /** The role of a presented token, or null for an unknown or revoked one. */
  async resolve(token: string): Promise<Role | null> {
    const { role } = await cachedLookup(this.cache, hashSecret(token), async () => {
      const found = await this.tokens.findOne({ where: { tokenHash: hashSecret(token), revokedAt: IsNull() }, select: ['role'] });
      return { role: found?.role ?? null };
    });
    return role;
  }

}
