import { AlertRule, PerformanceAlert } from '@vigil/alerting';
import type { Env } from '@vigil/common';
import { AdminToken, ApiKey, Project, ServiceHealth } from '@vigil/monitoring';
import type { Logger as TypeOrmLogger } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { InitialSchema1763900000000 } from './migrations/1763900000000-initial-schema';
import { Rollups1763910000000 } from './migrations/1763910000000-rollups';
import { Alerting1763920000000 } from './migrations/1763920000000-alerting';
import { DefaultRules1763930000000 } from './migrations/1763930000000-default-rules';
import { Notifications1763940000000 } from './migrations/1763940000000-notifications';
import { ServiceChecks1763950000000 } from './migrations/1763950000000-service-checks';
import { AdminTokens1763960000000 } from './migrations/1763960000000-admin-tokens';
import { ActiveCriticalLabels1763970000000 } from './migrations/1763970000000-active-critical-labels';

/** Entities and migrations are listed, never globbed from dist/. */
export const ENTITIES = [Project, ApiKey, ServiceHealth, PerformanceAlert, AlertRule, AdminToken];
export const MIGRATIONS = [
  InitialSchema1763900000000, Rollups1763910000000, Alerting1763920000000, DefaultRules1763930000000, Notifications1763940000000, ServiceChecks1763950000000,
  AdminTokens1763960000000, ActiveCriticalLabels1763970000000,
];

export function dataSourceOptions(
  env: Pick<Env, 'DATABASE_URL' | 'DB_POOL_SIZE' | 'DB_CONNECT_TIMEOUT_MS' | 'SLOW_QUERY_THRESHOLD_MS'>,
  extra: { applicationName: string; logger?: TypeOrmLogger },
): PostgresConnectionOptions {
  return {
    type: 'postgres',
    url: env.DATABASE_URL,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    maxQueryExecutionTime: env.SLOW_QUERY_THRESHOLD_MS,
    logger: extra.logger,
    logging: extra.logger ? ['warn', 'error'] : false,
    applicationName: extra.applicationName,
    extra: { max: env.DB_POOL_SIZE, connectionTimeoutMillis: env.DB_CONNECT_TIMEOUT_MS },
  };
}
