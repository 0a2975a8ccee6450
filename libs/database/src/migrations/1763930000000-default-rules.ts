import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rules vigil ships with, as ordinary rows a user can edit or disable.
 * Resource rules (CPU, memory) keep their state while no samples exist yet.
 */
export class DefaultRules1763930000000 implements MigrationInterface {
  name = 'DefaultRules1763930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      INSERT INTO alert_rules (name, kind, enabled, metric, window_seconds, direction, warning, critical, recovery, min_samples, no_data, params)
      VALUES
        ('default: p95 response time', 'threshold', true, 'p95', 300, 'above', 2000, 5000, 1500, 20, 'keep', '{}'),
        ('default: error rate', 'threshold', true, 'error_rate', 300, 'above', 0.05, 0.10, 0.04, 20, 'keep', '{}'),
        ('default: cpu', 'threshold', true, 'cpu', 300, 'above', 80, 95, 75, 0, 'keep', '{}'),
        ('default: memory', 'threshold', true, 'memory', 300, 'above', 85, 95, 80, 0, 'keep', '{}'),
        ('default: throughput', 'threshold', false, 'throughput', 300, 'below', 100, 50, 110, 0, 'keep', '{}'),
        ('default: error groups', 'error_count', true, NULL, 300, 'above', NULL, NULL, NULL, 0, 'ok',
         '{"thresholds": {"CRITICAL": 1, "HIGH": 3, "MEDIUM": 10, "LOW": 50}}')
      ON CONFLICT (name) DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM alert_rules WHERE name LIKE 'default: %'`);
  }
}
