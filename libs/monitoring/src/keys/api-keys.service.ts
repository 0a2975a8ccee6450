import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ENV, Env, NotFoundError, ServiceUnavailableError } from '@vigil/common';
import { LRUCache } from 'lru-cache';
import { IsNull, Repository } from 'typeorm';
import { ApiKey } from '../entities/api-key.entity';
import { Project } from '../entities/project.entity';

export const KEY_PREFIX_LENGTH = 12;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * A cached credential lookup that survives a Postgres outage: ingest must keep
 * accepting into Redis while the database is away, so a credential seen before
 * is answered from its expired entry (a revocation made meanwhile applies once
 * Postgres is back); one never seen gets 503 with Retry-After, not a 500.
 */
export async function cachedLookup<T extends object>(cache: LRUCache<string, T>, hash: string, lookup: () => Promise<T>): Promise<T> {
  const cached = cache.get(hash);
  if (cached) return cached;
  let value: T;
  try {
    value = await lookup();
  } catch {
    const last = cache.get(hash, { allowStale: true });
    if (last) return last;
    throw new ServiceUnavailableError('cannot check the credential: the database is unavailable; retry later', 5);
  }
  cache.set(hash, value);
  return value;
}

/** `vgl_` and 32 random base64url characters (192 bits): hashing with SHA-256 is enough. */
export function generateApiKey(): string {
  return `vgl_${randomBytes(24).toString('base64url')}`;
}

export interface CreatedKey {
  key: string;
  apiKey: ApiKey;
}

/**
 * Projects and their ingest keys. A key is shown once, at creation; vigil
 * keeps its hash. Lookups are cached briefly (API_KEY_CACHE_TTL_MS) so that
 * ingest does not query Postgres per request; a revoked key can therefore
 * work on other API instances for at most that long.
 */
@Injectable()
export class ApiKeysService {
  private readonly cache: LRUCache<string, { projectId: string | null }>;

  constructor(
    @InjectRepository(Project) private readonly projects: Repository<Project>,
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @Inject(ENV) env: Pick<Env, 'API_KEY_CACHE_TTL_MS'>,
  ) {
    // Expired answers are kept (not served) so that they can stand in while Postgres is away.
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(1, env.API_KEY_CACHE_TTL_MS), noDeleteOnStaleGet: true });
  }

  async createProject(name: string): Promise<Project> {
    return this.projects.save(this.projects.create({ name }));
  }

  async findOrCreateProject(name: string): Promise<Project> {
    const existing = await this.projects.findOne({ where: { name } });
    return existing ?? this.createProject(name);
  }

  listProjects(): Promise<Project[]> {
    return this.projects.find({ order: { createdAt: 'ASC' } });
  }

  async createKey(projectId: string, name: string): Promise<CreatedKey> {
    if (!(await this.projects.exist({ where: { id: projectId } }))) throw new NotFoundError(`project ${projectId} not found`);
    const key = generateApiKey();
    const apiKey = await this.keys.save(
      this.keys.create({ projectId, name, prefix: key.slice(0, KEY_PREFIX_LENGTH), keyHash: hashSecret(key) }),
    );
    delete (apiKey as Partial<ApiKey>).keyHash;
    return { key, apiKey };
  }

  listKeys(projectId: string): Promise<ApiKey[]> {
    return this.keys.find({ where: { projectId }, order: { createdAt: 'ASC' } });
  }

  async revokeKey(id: string): Promise<void> {
    const result = await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    if (!result.affected) throw new NotFoundError(`active key ${id} not found`);
    this.cache.clear();
  }

  /** The project a presented key belongs to, or null for an unknown or revoked key. */
  async resolve(key: string): Promise<string | null> {
    const { projectId } = await cachedLookup(this.cache, hashSecret(key), async () => {
      const found = await this.keys.findOne({ where: { keyHash: hashSecret(key), revokedAt: IsNull() }, select: ['projectId'] });
      return { projectId: found?.projectId ?? null };
    });
    return projectId;
  }
}
