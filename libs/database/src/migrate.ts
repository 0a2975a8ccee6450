import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { Env } from '@vigil/common';
import { dataSourceOptions } from './data-source.options';

/** Any fixed number: every process that migrates takes this lock first. */
const MIGRATION_LOCK = 7_441_120_031;

/** Creates the database named in DATABASE_URL when it does not exist yet. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (error) {
    // Another process created it between our check and our CREATE.
    if ((error as { code?: string }).code === '42P04') return false;
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Runs pending migrations under a session advisory lock, so two replicas
 * starting together do not race. Returns the names of the migrations applied.
 */
export async function migrate(env: Env): Promise<string[]> {
  // Two connections: one holds the lock while TypeORM migrates on the other.
  const dataSource = new DataSource({ ...dataSourceOptions(env, { applicationName: 'vigil-migrate' }), extra: { max: 2 } });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}
