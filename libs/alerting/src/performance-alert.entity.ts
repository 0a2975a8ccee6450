import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type AlertSeverity = 'warning' | 'critical';
export type AlertState = 'pending' | 'firing' | 'acknowledged' | 'resolved';

/**
 * One alert: a rule's breach for one identity (rule + labels). A repeat of an
 * open identity bumps `occurrences`; once resolved, a new breach opens a new
 * alert linked to this one by `previousAlertId`.
 */
@Entity({ name: 'performance_alerts' })
export class PerformanceAlert {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'rule_id', type: 'uuid', nullable: true })
  ruleId: string | null;

  @Column({ type: 'text' })
  identity: string;

  @Column({ type: 'text' })
  fingerprint: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  labels: Record<string, string>;

  @Column({ type: 'text' })
  state: AlertState;

  @Column({ type: 'text' })
  severity: AlertSeverity;

  @Column({ type: 'text' })
  summary: string;

  @Column({ type: 'double precision', nullable: true })
  value: number | null;

  @Column({ type: 'double precision', nullable: true })
  threshold: number | null;

  @Column({ type: 'jsonb', nullable: true })
  evidence: Record<string, unknown> | null;

  @Column({ type: 'integer', default: 1 })
  occurrences: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt: Date;

  @Column({ name: 'last_seen_at', type: 'timestamptz' })
  lastSeenAt: Date;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt: Date | null;

  @Column({ name: 'acknowledged_by', type: 'text', nullable: true })
  acknowledgedBy: string | null;

  @Column({ name: 'ack_comment', type: 'text', nullable: true })
  ackComment: string | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;

  @Column({ name: 'resolved_by', type: 'text', nullable: true })
  resolvedBy: string | null;

  @Column({ name: 'previous_alert_id', type: 'uuid', nullable: true })
  previousAlertId: string | null;
}
