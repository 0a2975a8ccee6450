import { randomBytes } from 'node:crypto';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const ENCRYPTION_KEY = '7f'.repeat(32);

/**
 * Variables for one test file's apps: the test database made by global setup
 * and a Redis key prefix of its own, so queues of parallel files never mix.
 */
export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: required('TEST_DATABASE_URL'),
    REDIS_URL: required('TEST_REDIS_URL'),
    REDIS_KEY_PREFIX: `vigil-test-${randomBytes(4).toString('hex')}`,
    ADMIN_TOKEN,
    API_HOST: '127.0.0.1',
    API_PORT: '0',
    WORKER_PORT: '0',
    API_KEY_CACHE_TTL_MS: '0',
    // Tests poll the analytics endpoints until their data lands: a cached empty answer would hide it.
    CACHE_TTL_SUMMARY_SECONDS: '0',
    CACHE_TTL_ENDPOINTS_SECONDS: '0',
    CACHE_TTL_TIMESERIES_SECONDS: '0',
    CACHE_TTL_DASHBOARD_SECONDS: '0',
    SELF_FLUSH_INTERVAL_MS: '200',
    WORKER_LOCK_DURATION_MS: '3000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    SHUTDOWN_TIMEOUT_MS: '15000',
    // Tests enqueue the evaluations they want; a cron firing mid-test would change alerts under them.
    WORKER_SCHEDULES: 'false',
    // Receivers in tests listen on loopback; retries come fast.
    NOTIFY_ALLOWED_HOSTS: '127.0.0.1',
    NOTIFY_BACKOFF_BASE_MS: '50',
    NOTIFY_BACKOFF_MAX_MS: '400',
    NOTIFY_BREAKER_RESET_MS: '300',
    ENCRYPTION_KEY: ENCRYPTION_KEY,
    ...overrides,
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through jest so that test/global-setup.ts runs`);
  return value;
}
