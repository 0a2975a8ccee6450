import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type HealthStatus = 'up' | 'down' | 'degraded';

/** One check of one service's health. */
@Entity({ name: 'service_health' })
export class ServiceHealth {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'text' })
  service: string;

  @Column({ type: 'text' })
  status: HealthStatus;

  @Column({ name: 'response_time_ms', type: 'double precision', nullable: true })
  responseTimeMs: number | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, unknown>;

  @Column({ name: 'checked_at', type: 'timestamptz' })
  checkedAt: Date;
}
