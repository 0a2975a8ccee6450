import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Direction, NoData } from '../evaluation/threshold';

export const RULE_KINDS = ['threshold', 'error_count', 'health', 'regression', 'seasonal', 'forecast'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export const THRESHOLD_METRICS = [
  'p50', 'p95', 'p99', 'avg', 'error_rate', 'throughput', 'request_count', 'slow_query_count',
  'cpu', 'memory', 'disk', 'event_loop_lag',
] as const;
export type ThresholdMetric = (typeof THRESHOLD_METRICS)[number];

@Entity({ name: 'alert_rules' })
export class AlertRule {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text', unique: true })
  name: string;

  @Column({ type: 'text' })
  kind: RuleKind;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'project_id', type: 'uuid', nullable: true })
  projectId: string | null;

  @Column({ type: 'text', nullable: true })
  service: string | null;

  @Column({ type: 'text', nullable: true })
  route: string | null;

  @Column({ name: 'group_by_endpoint', type: 'boolean', default: false })
  groupByEndpoint: boolean;

  @Column({ type: 'text', nullable: true })
  metric: ThresholdMetric | null;

  @Column({ name: 'window_seconds', type: 'integer', default: 300 })
  windowSeconds: number;

  @Column({ type: 'text', default: 'above' })
  direction: Direction;

  @Column({ type: 'double precision', nullable: true })
  warning: number | null;

  @Column({ type: 'double precision', nullable: true })
  critical: number | null;

  @Column({ type: 'double precision', nullable: true })
  recovery: number | null;

  @Column({ name: 'for_evaluations', type: 'integer', default: 1 })
  forEvaluations: number;

  @Column({ name: 'keep_firing_for_seconds', type: 'integer', default: 0 })
  keepFiringForSeconds: number;

  @Column({ name: 'min_samples', type: 'integer', default: 0 })
  minSamples: number;

  @Column({ name: 'no_data', type: 'text', default: 'keep' })
  noData: NoData;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  params: Record<string, unknown>;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  labels: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
