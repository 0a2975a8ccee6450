/** vigil's ingest wire format (see the vigil README): what the client sends. */
export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
export type EventKind = 'requests' | 'queries' | 'errors';

export interface RequestEvent {
  timestamp: number;
  service: string;
  method: string;
  /** The route template (`/orders/:id`), never the raw URL. */
  route: string;
  status: number;
  durationMs: number;
  dbQueries?: number;
  dbTimeMs?: number;
  cacheHits?: number;
  cacheMisses?: number;
  userId?: string;
  tenantId?: string;
  clientIp?: string;
  requestId?: string;
}

export interface QueryEvent {
  timestamp: number;
  service: string;
  query: string;
  durationMs: number;
  rows?: number;
  requestId?: string;
  context?: Record<string, unknown>;
}

export interface ErrorEvent {
  timestamp: number;
  service: string;
  type: string;
  severity: Severity;
  message: string;
  exception?: string;
  requestId?: string;
  context?: Record<string, unknown>;
}

export interface EventOf {
  requests: RequestEvent;
  queries: QueryEvent;
  errors: ErrorEvent;
}

/** Delivers one batch; resolves once vigil accepted it, rejects when it is lost. */
export interface Transport {
  send(kind: EventKind, events: object[]): Promise<void>;
}
