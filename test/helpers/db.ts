import { Pool } from 'pg';

/** A plain pg pool on the test database, for assertions on what was stored. */
export function testPool(): Pool {
  return new Pool({ connectionString: process.env.TEST_DATABASE_URL, max: 4 });
}

export async function countRows(pool: Pool, table: string, projectId: string): Promise<number> {
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE project_id = $1`, [projectId]);
  return rows[0].n;
}

/** Polls until `check` returns true, failing with `what` after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}
