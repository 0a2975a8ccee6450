import Ajv, { JSONSchemaType } from 'ajv';

/**
 * Every environment variable vigil reads, with its default. This is the only
 * place that knows about `process.env`; everything else receives an `Env`.
 */
export interface Env {
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  LOG_REQUESTS: boolean;
  API_HOST: string;
  API_PORT: number;
  WORKER_PORT: number;
  DATABASE_URL: string;
  DB_POOL_SIZE: number;
  DB_CONNECT_TIMEOUT_MS: number;
  REDIS_URL: string;
  REDIS_KEY_PREFIX: string;
  ADMIN_TOKEN?: string;
  INGEST_ENQUEUE_TIMEOUT_MS: number;
  INGEST_JOB_ATTEMPTS: number;
  INGEST_CONCURRENCY: number;
  INGEST_READY_MAX_BACKLOG: number;
  IDEMPOTENCY_TTL_SECONDS: number;
  API_KEY_CACHE_TTL_MS: number;
  PARTITION_DAYS_AHEAD: number;
  METRICS_RETENTION_DAYS: number;
  ROLLUP_RETENTION_DAYS: number;
  SELF_INSTRUMENTATION: boolean;
  SELF_FLUSH_INTERVAL_MS: number;
  SELF_BUFFER_MAX: number;
  SLOW_QUERY_THRESHOLD_MS: number;
  OTLP_SLOW_QUERY_MS: number;
  HEALTH_TIMEOUT_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
  WORKER_LOCK_DURATION_MS: number;
  WORKER_STALLED_INTERVAL_MS: number;
  WORKER_SCHEDULES: boolean;
  REDIS_BREAKER_FAILURES: number;
  REDIS_BREAKER_RESET_MS: number;
  DB_BREAKER_FAILURES: number;
  DB_BREAKER_RESET_MS: number;
  DB_BREAKER_TIMEOUT_MS: number;
  EXTERNAL_BREAKER_FAILURES: number;
  EXTERNAL_BREAKER_RESET_MS: number;
  EXTERNAL_TIMEOUT_MS: number;
  CACHE_TTL_SUMMARY_SECONDS: number;
  CACHE_TTL_ENDPOINTS_SECONDS: number;
  CACHE_TTL_TIMESERIES_SECONDS: number;
  CACHE_TTL_DASHBOARD_SECONDS: number;
  CACHE_MEMORY_MAX_ENTRIES: number;
  RESOURCE_SAMPLE_INTERVAL_MS: number;
  RESOURCE_DISK_PATH: string;
  PUBLIC_URL: string;
  ENCRYPTION_KEY?: string;
  NOTIFY_ATTEMPTS: number;
  NOTIFY_BACKOFF_BASE_MS: number;
  NOTIFY_BACKOFF_MAX_MS: number;
  NOTIFY_CONCURRENCY: number;
  NOTIFY_TIMEOUT_MS: number;
  NOTIFY_ALLOWED_HOSTS: string;
  NOTIFY_BREAKER_FAILURES: number;
  NOTIFY_BREAKER_RESET_MS: number;
  INSTANT_EVALUATION_MS: number;
  SMTP_SERVER?: string;
  SMTP_PORT: number;
  ALERT_EMAIL_FROM?: string;
  ALERT_EMAIL_PASSWORD?: string;
  ALERT_EMAIL_TO?: string;
  SLACK_WEBHOOK_URL?: string;
  SLACK_ALERT_CHANNEL?: string;
  RATE_LIMIT_WINDOW_SECONDS: number;
  RATE_LIMIT_INGEST: number;
  RATE_LIMIT_MANAGEMENT: number;
  CORS_ORIGINS: string;
  /** `VIGIL_SECRET_*` variables: secrets a channel names instead of storing them. */
  SECRET_VARS: Record<string, string>;
}

const int = (min: number, max: number, dflt: number) =>
  ({ type: 'integer', minimum: min, maximum: max, default: dflt }) as const;

export const envSchema: JSONSchemaType<Env> = {
  type: 'object',
  required: [],
  additionalProperties: true,
  properties: {
    LOG_LEVEL: {
      type: 'string',
      enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      default: 'info',
    },
    LOG_REQUESTS: { type: 'boolean', default: true },
    API_HOST: { type: 'string', minLength: 1, default: '0.0.0.0' },
    API_PORT: int(0, 65535, 3000),
    WORKER_PORT: int(0, 65535, 3001),
    DATABASE_URL: {
      type: 'string',
      pattern: '^postgres(ql)?://',
      default: 'postgres://postgres@127.0.0.1:5432/vigil',
    },
    DB_POOL_SIZE: int(1, 500, 10),
    DB_CONNECT_TIMEOUT_MS: int(100, 120_000, 5000),
    REDIS_URL: { type: 'string', pattern: '^rediss?://', default: 'redis://127.0.0.1:6379' },
    REDIS_KEY_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9_.{}-]+$', default: 'vigil' },
    ADMIN_TOKEN: { type: 'string', minLength: 16, nullable: true },
    INGEST_ENQUEUE_TIMEOUT_MS: int(50, 60_000, 2000),
    INGEST_JOB_ATTEMPTS: int(1, 1000, 30),
    INGEST_CONCURRENCY: int(1, 64, 2),
    INGEST_READY_MAX_BACKLOG: int(1, 10_000_000, 50_000),
    IDEMPOTENCY_TTL_SECONDS: int(60, 30 * 86400, 86400),
    API_KEY_CACHE_TTL_MS: int(0, 3_600_000, 30_000),
    PARTITION_DAYS_AHEAD: int(1, 60, 3),
    METRICS_RETENTION_DAYS: int(8, 3650, 30),
    ROLLUP_RETENTION_DAYS: int(8, 3650, 400),
    SELF_INSTRUMENTATION: { type: 'boolean', default: true },
    SELF_FLUSH_INTERVAL_MS: int(50, 60_000, 1000),
    SELF_BUFFER_MAX: int(100, 1_000_000, 10_000),
    SLOW_QUERY_THRESHOLD_MS: int(1, 600_000, 200),
    OTLP_SLOW_QUERY_MS: int(0, 600_000, 200),
    HEALTH_TIMEOUT_MS: int(50, 30_000, 1000),
    SHUTDOWN_TIMEOUT_MS: int(100, 600_000, 10_000),
    WORKER_LOCK_DURATION_MS: int(1000, 600_000, 30_000),
    WORKER_STALLED_INTERVAL_MS: int(1000, 600_000, 30_000),
    WORKER_SCHEDULES: { type: 'boolean', default: true },
    REDIS_BREAKER_FAILURES: int(1, 1000, 5),
    REDIS_BREAKER_RESET_MS: int(100, 3_600_000, 60_000),
    DB_BREAKER_FAILURES: int(1, 1000, 3),
    DB_BREAKER_RESET_MS: int(100, 3_600_000, 30_000),
    // Generous: a large batch write is slow without the database being unwell.
    DB_BREAKER_TIMEOUT_MS: int(100, 600_000, 30_000),
    EXTERNAL_BREAKER_FAILURES: int(1, 1000, 5),
    EXTERNAL_BREAKER_RESET_MS: int(100, 3_600_000, 60_000),
    EXTERNAL_TIMEOUT_MS: int(100, 120_000, 10_000),
    CACHE_TTL_SUMMARY_SECONDS: int(0, 86_400, 30),
    CACHE_TTL_ENDPOINTS_SECONDS: int(0, 86_400, 30),
    CACHE_TTL_TIMESERIES_SECONDS: int(0, 86_400, 60),
    CACHE_TTL_DASHBOARD_SECONDS: int(0, 86_400, 15),
    CACHE_MEMORY_MAX_ENTRIES: int(1, 1_000_000, 1000),
    RESOURCE_SAMPLE_INTERVAL_MS: int(1000, 3_600_000, 15_000),
    RESOURCE_DISK_PATH: { type: 'string', minLength: 1, default: '/' },
    PUBLIC_URL: { type: 'string', pattern: '^https?://', default: 'http://localhost:3000' },
    // 32 bytes as 64 hex characters: encrypts channel secrets stored in the database.
    ENCRYPTION_KEY: { type: 'string', pattern: '^[0-9a-fA-F]{64}$', nullable: true },
    NOTIFY_ATTEMPTS: int(1, 100, 8),
    // 15 s doubling to a 16 min ceiling: 8 tries span about 30 minutes.
    NOTIFY_BACKOFF_BASE_MS: int(10, 3_600_000, 15_000),
    NOTIFY_BACKOFF_MAX_MS: int(10, 86_400_000, 960_000),
    NOTIFY_CONCURRENCY: int(1, 256, 16),
    NOTIFY_TIMEOUT_MS: int(100, 120_000, 10_000),
    // Comma-separated host names or IPs a channel may reach although they are private or loopback.
    NOTIFY_ALLOWED_HOSTS: { type: 'string', default: '' },
    NOTIFY_BREAKER_FAILURES: int(1, 1000, 5),
    NOTIFY_BREAKER_RESET_MS: int(100, 3_600_000, 60_000),
    INSTANT_EVALUATION_MS: int(100, 60_000, 500),
    SMTP_SERVER: { type: 'string', minLength: 1, nullable: true },
    SMTP_PORT: int(1, 65535, 587),
    ALERT_EMAIL_FROM: { type: 'string', minLength: 3, nullable: true },
    ALERT_EMAIL_PASSWORD: { type: 'string', minLength: 1, nullable: true },
    ALERT_EMAIL_TO: { type: 'string', minLength: 3, nullable: true },
    SLACK_WEBHOOK_URL: { type: 'string', pattern: '^https?://', nullable: true },
    SLACK_ALERT_CHANNEL: { type: 'string', minLength: 1, nullable: true },
    // Requests per credential (ingest key, management token; the client IP without one) per window; 0 turns a limit off.
    RATE_LIMIT_WINDOW_SECONDS: int(1, 86_400, 60),
    RATE_LIMIT_INGEST: int(0, 100_000_000, 6000),
    RATE_LIMIT_MANAGEMENT: int(0, 100_000_000, 1200),
    // Comma-separated origins allowed to call the API from a browser; empty (the default) allows none.
    CORS_ORIGINS: { type: 'string', pattern: '^(https?://[^,\\s]+(,\\s*https?://[^,\\s]+)*)?$', default: '' },
    SECRET_VARS: { type: 'object', required: [], additionalProperties: { type: 'string' }, default: {} },
  },
};

const SECRET_VAR = /^VIGIL_SECRET_[A-Z0-9_]+$/;

const validate = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true }).compile(envSchema);

export class InvalidConfigError extends Error {}

/**
 * Validates raw environment variables and applies defaults. Throws one error
 * naming every bad variable, so a misconfigured process stops at boot.
 */
export function validateEnv(raw: Record<string, unknown>): Env {
  const known = Object.keys(envSchema.properties) as (keyof Env)[];
  const picked: Record<string, unknown> = {};
  for (const key of known) {
    const value = raw[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  picked.SECRET_VARS = Object.fromEntries(Object.entries(raw).filter(([key, value]) => SECRET_VAR.test(key) && typeof value === 'string'));
  if (!validate(picked)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath.slice(1) || 'env'} ${e.message}`);
    throw new InvalidConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  return picked as unknown as Env;
}

/** The API serves the management endpoints, so it cannot boot without a token. */
export function requireAdminToken(env: Env): Env & { ADMIN_TOKEN: string } {
  if (!env.ADMIN_TOKEN) {
    throw new InvalidConfigError('Invalid configuration: ADMIN_TOKEN must be set (at least 16 characters)');
  }
  return env as Env & { ADMIN_TOKEN: string };
}
