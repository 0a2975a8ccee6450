import { MigrationInterface, QueryRunner } from 'typeorm';

/** Inhibition asks "is a critical with these labels active?" once per alert fired: an index answers it. */
export class ActiveCriticalLabels1763970000000 implements MigrationInterface {
  name = 'ActiveCriticalLabels1763970000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX performance_alerts_active_critical_labels_idx ON performance_alerts (labels) WHERE state IN ('firing', 'acknowledged') AND severity = 'critical'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX performance_alerts_active_critical_labels_idx`);
  }
}
