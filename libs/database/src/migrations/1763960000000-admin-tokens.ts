import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Management tokens with a role, made by the CLI. Like ingest keys, only the
 * SHA-256 is kept; the prefix tells tokens apart in listings.
 */
export class AdminTokens1763960000000 implements MigrationInterface {
  name = 'AdminTokens1763960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE admin_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
        prefix text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE admin_tokens');
  }
}
