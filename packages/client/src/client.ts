import { requestContext } from './context';
import type { ErrorEvent, EventKind, EventOf, QueryEvent, RequestEvent, Severity, Transport } from './events';
import { httpTransport, HttpTransportOptions } from './http-transport';
import { fingerprint, normalizeSql } from './sql-normalizer';

export interface VigilOptions extends Partial<HttpTransportOptions> {
  /** The service name every event carries. */
  service: string;
  /** Where batches go; defaults to vigil's HTTP ingest API at `url` with `apiKey`. */
  transport?: Transport;
  /** false turns every record call into a no-op (tests, local runs). */
  enabled?: boolean;
  /** Events per batch; a full batch is sent at once. */
  batchSize?: number;
  flushIntervalMs?: number;
  /** Events held at most (buffered and in flight); beyond, new events are dropped and counted. */
  maxBuffer?: number;
  /** Queries at least this slow (ms) are sent as slow-query events. */
  slowQueryMs?: number;
  /** Told about each lost batch; the client never throws into the app. */
  onError?: (error: Error, lost: number) => void;
}

export interface CaptureOptions {
  severity?: Severity;
  requestId?: string;
  context?: Record<string, unknown>;
}

const KINDS: EventKind[] = ['requests', 'queries', 'errors'];

/**
 * Buffers events in memory and sends them in batches, by count and by
 * interval, one batch at a time. Memory is bounded by `maxBuffer`; when it is
 * full, events are dropped and counted in `dropped`, never waited for.
 */
export class VigilClient {
  readonly service: string;
  readonly slowQueryMs: number;
  readonly enabled: boolean;
  /** Events lost: buffer full, or their batch failed for good. */
  dropped = 0;
  /** Events vigil accepted. */
  sent = 0;
  /** Set by the query hooks: middleware then tracks db count and time per request. */
  tracksQueries = false;

  private readonly transport: Transport;
  private readonly batchSize: number;
  private readonly maxBuffer: number;
  private readonly onError?: (error: Error, lost: number) => void;
  private readonly buffers: { [K in EventKind]: EventOf[K][] } = { requests: [], queries: [], errors: [] };
  private held = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly timer?: NodeJS.Timeout;
  private closed = false;

  constructor(options: VigilOptions) {
    this.service = options.service;
    this.enabled = options.enabled ?? true;
    this.batchSize = options.batchSize ?? 500;
    this.maxBuffer = options.maxBuffer ?? 10_000;
    this.slowQueryMs = options.slowQueryMs ?? 200;
    this.onError = options.onError;
    this.transport = options.transport ?? httpTransport(requireHttp(options));
    if (this.enabled) {
      this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Adds one event built by the caller (middleware builds them complete, with service and timestamp). */
  record<K extends EventKind>(kind: K, event: EventOf[K]): void {
    if (!this.enabled || this.closed || this.held >= this.maxBuffer) {
      if (this.enabled) this.dropped++;
      return;
    }
    const buffer = this.buffers[kind];
    buffer.push(event);
    this.held++;
    if (buffer.length >= this.batchSize) this.sendBuffered(kind);
  }

  recordRequest(event: Omit<RequestEvent, 'service' | 'timestamp'> & { timestamp?: number }): void {
    this.record('requests', { timestamp: Date.now(), service: this.service, ...event });
  }

  /** A slow query, normalized and fingerprinted here: literals never leave the app. */
  recordSlowQuery(sql: string, durationMs: number, rows?: number): void {
    if (!this.enabled) return;
    const ctx = requestContext.getStore();
    const query = normalizeSql(sql);
    const event: QueryEvent = { timestamp: Date.now(), service: this.service, query, durationMs, rows };
    event.context = { fingerprint: fingerprint(query), ...(ctx?.route ? { route: ctx.route } : {}) };
    if (ctx?.requestId) event.requestId = ctx.requestId;
    this.record('queries', event);
  }

  /** Reports an error with its severity (default HIGH), tied to the current request when there is one. */
  captureError(error: unknown, options: CaptureOptions = {}): void {
    if (!this.enabled) return;
    const err = error instanceof Error ? error : new Error(String(error));
    const event: ErrorEvent = {
      timestamp: Date.now(),
      service: this.service,
      type: err.name || 'Error',
      severity: options.severity ?? 'HIGH',
      message: (err.message || err.name || 'Error').slice(0, 10_000),
      exception: err.stack?.slice(0, 100_000),
      context: options.context,
    };
    const requestId = options.requestId ?? requestContext.getStore()?.requestId;
    if (requestId) event.requestId = requestId;
    this.record('errors', event);
  }

  /** Sends everything buffered and waits for it (and any batch in flight) to be delivered or given up. */
  async flush(): Promise<void> {
    for (const kind of KINDS) if (this.buffers[kind].length) this.sendBuffered(kind);
    await this.chain;
  }

  /** Stops the interval, sends what is left; later events are dropped. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
  }

  private sendBuffered(kind: EventKind): void {
    const events: object[] = this.buffers[kind];
    this.buffers[kind] = [];
    for (let i = 0; i < events.length; i += this.batchSize) {
      const batch = events.slice(i, i + this.batchSize);
      this.chain = this.chain.then(() => this.deliver(kind, batch));
    }
  }

  private async deliver(kind: EventKind, batch: object[]): Promise<void> {
    try {
      await this.transport.send(kind, batch);
      this.sent += batch.length;
    } catch (error) {
      this.dropped += batch.length;
      this.onError?.(error as Error, batch.length);
    } finally {
      this.held -= batch.length;
    }
  }
}

function requireHttp(options: VigilOptions): HttpTransportOptions {
  if (!options.url || !options.apiKey) throw new Error('createVigil needs url and apiKey (or a transport)');
  return options as HttpTransportOptions;
}

export function createVigil(options: VigilOptions): VigilClient {
  return new VigilClient(options);
}
