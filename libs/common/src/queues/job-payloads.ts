/** Queues vigil uses; each has exactly one processor in the worker. */
export enum QueueName {
  Ingest = 'ingest',
  Maintenance = 'maintenance',
  Alerting = 'alerting',
  Notify = 'notify',
  Checks = 'checks',
}

export enum JobName {
  WriteRequestBatch = 'write-request-batch',
  WriteQueryBatch = 'write-query-batch',
  WriteErrorBatch = 'write-error-batch',
  EnsurePartitions = 'ensure-partitions',
  Cleanup = 'cleanup',
  EvaluateRules = 'evaluate-rules',
  RouteNotifications = 'route-notifications',
  FlushGroup = 'flush-group',
  Deliver = 'deliver',
  SweepNotifications = 'sweep-notifications',
  DispatchChecks = 'dispatch-checks',
  RunCheck = 'run-check',
}

export const QUEUE_OF: Record<JobName, QueueName> = {
  [JobName.WriteRequestBatch]: QueueName.Ingest,
  [JobName.WriteQueryBatch]: QueueName.Ingest,
  [JobName.WriteErrorBatch]: QueueName.Ingest,
  [JobName.EnsurePartitions]: QueueName.Maintenance,
  [JobName.Cleanup]: QueueName.Maintenance,
  [JobName.EvaluateRules]: QueueName.Alerting,
  [JobName.RouteNotifications]: QueueName.Notify,
  [JobName.FlushGroup]: QueueName.Notify,
  [JobName.Deliver]: QueueName.Notify,
  [JobName.SweepNotifications]: QueueName.Notify,
  [JobName.DispatchChecks]: QueueName.Checks,
  [JobName.RunCheck]: QueueName.Checks,
};

// The wire format has one definition, in the client package applications use (type-only: no runtime dependency).
export type { ErrorEvent, QueryEvent, RequestEvent, Severity } from '@vigil/client';
import type { PackedBatch } from './packed-batch';

export interface Batch<E> {
  batchId: string;
  projectId: string;
  receivedAt: number;
  events: E[];
}

export type JobPayload = {
  [JobName.WriteRequestBatch]: PackedBatch;
  [JobName.WriteQueryBatch]: PackedBatch;
  [JobName.WriteErrorBatch]: PackedBatch;
  [JobName.EnsurePartitions]: { daysAhead?: number };
  [JobName.Cleanup]: Record<string, never>;
  /** `tick`: ISO-8601; a tick evaluated before (or older than the newest) changes nothing. */
  [JobName.EvaluateRules]: { tick: string; group?: 'thresholds' | 'trends' | 'instant' };
  /** Takes pending outbox rows into their routes' groups. */
  [JobName.RouteNotifications]: Record<string, never>;
  /** Sends a group's waiting members (or its repeat) as one message per channel. */
  [JobName.FlushGroup]: { routeId: string; groupKey: string };
  [JobName.Deliver]: { deliveryId: string };
  /** The safety net: whatever a lost job left behind (routing, flushes, deliveries, escalations); `redrive`: dead deliveries the CLI just put back. */
  [JobName.SweepNotifications]: { tick: string; redrive?: string[] };
  /** Enqueues a check for every enabled target whose interval slot starts at or before `tick`. */
  [JobName.DispatchChecks]: { tick: string };
  /** One check of one target; `slot` (epoch ms) is the start of its interval, part of the job id. */
  [JobName.RunCheck]: { targetId: string; slot: number };
};
