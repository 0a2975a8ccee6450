import { AlertRule, AlertsService, RulesService } from '@vigil/alerting';
import { Env, readEnv, redisOptions } from '@vigil/common';
import type { RedisOptions } from 'ioredis';
import { dataSourceOptions } from '@vigil/database';
import { AdminToken, AdminTokensService, ApiKey, ApiKeysService, MetricsQueryService, PartitionManager, Project, RetentionService } from '@vigil/monitoring';
import { DataSource, EntityManager } from 'typeorm';

/** What a CLI command works with: the validated env and, on demand, the database. */
export class CliContext {
  readonly env: Env = readEnv();
  private dataSource?: DataSource;

  async database(): Promise<DataSource> {
    if (!this.dataSource) {
      const dataSource = new DataSource({
        ...dataSourceOptions(this.env, { applicationName: 'vigil-cli' }),
        extra: { max: 2, connectionTimeoutMillis: this.env.DB_CONNECT_TIMEOUT_MS },
      });
      await dataSource.initialize();
      this.dataSource = dataSource;
    }
    return this.dataSource;
  }

  async apiKeys(): Promise<ApiKeysService> {
    const db = await this.database();
    return new ApiKeysService(db.getRepository(Project), db.getRepository(ApiKey), this.env);
  }

  async adminTokens(): Promise<AdminTokensService> {
    return new AdminTokensService((await this.database()).getRepository(AdminToken), this.env);
  }

  async metrics(): Promise<MetricsQueryService> {
    return new MetricsQueryService(await this.database());
  }

  /** Rules; given a transaction's manager, its writes are part of that transaction. */
  async rules(tx?: EntityManager): Promise<RulesService> {
    const manager = tx ?? (await this.database()).manager;
    return new RulesService(manager.getRepository(AlertRule));
  }

  async alerts(): Promise<AlertsService> {
    return new AlertsService(await this.database());
  }

  async retention(): Promise<RetentionService> {
    const db = await this.database();
    return new RetentionService(db, new PartitionManager(db));
  }

  async close(): Promise<void> {
    await this.dataSource?.destroy();
  }
}

/** Redis for a one-shot command: fail at once rather than retry while a person waits. */
export function cliRedisConnection(env: Env): RedisOptions {
  return { ...redisOptions(env), retryStrategy: () => null };
}
