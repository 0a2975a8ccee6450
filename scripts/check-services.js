#!/usr/bin/env node
// Says which of PostgreSQL and Redis cannot be reached, and how to get it, instead of a stack trace.
// Usage: node scripts/check-services.js  (reads DATABASE_URL and REDIS_URL, with vigil's defaults)
const { Client } = require('pg');
const Redis = require('ioredis');

const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/vigil';
const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';

function where(url, defaultPort) {
  const u = new URL(url);
  return `${u.hostname}:${u.port || defaultPort}`;
}

async function checkPostgres() {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (
      `PostgreSQL is not reachable at ${where(databaseUrl, 5432)} (${error.code || error.message}).\n` +
      '  Start it with:  docker compose up -d postgres   (then DATABASE_URL=postgres://postgres:vigil@127.0.0.1:5432/vigil)\n' +
      '  or on Debian:   apt-get install -y postgresql && pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
      '  or set DATABASE_URL to a server you have.'
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis() {
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return (
      `Redis is not reachable at ${where(redisUrl, 6379)} (${error.code || error.message}).\n` +
      '  Start it with:  docker compose up -d redis\n' +
      '  or on Debian:   apt-get install -y redis-server && redis-server --daemonize yes --maxmemory-policy noeviction\n' +
      '  or set REDIS_URL to a server you have.'
    );
  } finally {
    redis.disconnect();
  }
}

Promise.all([checkPostgres(), checkRedis()]).then((problems) => {
  const found = problems.filter(Boolean);
  for (const problem of found) console.error(problem);
  process.exit(found.length ? 1 : 0);
});
