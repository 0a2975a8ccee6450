import { Client } from 'pg';
import { register } from 'tsconfig-paths';
import { compilerOptions } from '../tsconfig.json';

// Jest's moduleNameMapper does not apply to global setup: resolve @vigil/* here.
register({ baseUrl: `${__dirname}/..`, paths: compilerOptions.paths });

/**
 * Runs once per `jest` run: a fresh test database, migrated the way production
 * is (never synchronize). Its URL reaches every test through the environment.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'UTC';
  const base = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/vigil_test');
  const name = base.pathname.slice(1);
  const admin = new URL(base.toString());
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`tests need PostgreSQL at ${admin.host}: ${(error as Error).message}`);
  }
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();

  process.env.TEST_DATABASE_URL = base.toString();
  process.env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379';
  const { validateEnv } = await import('../libs/common/src/config/env.schema');
  const { migrate } = await import('../libs/database/src/migrate');
  await migrate(validateEnv({ DATABASE_URL: base.toString() }));
}
