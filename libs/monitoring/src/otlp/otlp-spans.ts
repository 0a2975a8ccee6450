import { ErrorEvent, QueryEvent, RequestEvent } from '@vigil/common';
import { batchValidators, IngestKind } from '../ingest/event-schemas';
import { MAX_AGE_MS, MAX_FUTURE_MS } from '../ingest/parse-batch';
import { isObject, OtlpTraces } from './otlp-decode';

const SPAN_KIND_SERVER = 2;
const STATUS_CODE_ERROR = 2;

export interface MappedSpans {
  requests: RequestEvent[];
  queries: QueryEvent[];
  errors: ErrorEvent[];
  rejectedSpans: number;
  /** Why the first rejected span was rejected (OTLP's partial-success errorMessage). */
  firstRejection: string;
}

/**
 * OTLP spans as vigil events: SERVER spans become requests (stable and old
 * HTTP semantic conventions both read), database spans at least `slowQueryMs`
 * long become slow queries, `exception` span events become errors. A span
 * that cannot be one (no route, no status, outside the accepted time range)
 * is rejected and counted; other spans are accepted and not stored.
 */
export function mapSpans(traces: OtlpTraces, slowQueryMs: number, now: number): MappedSpans {
  const out: MappedSpans = { requests: [], queries: [], errors: [], rejectedSpans: 0, firstRejection: '' };
  const reject = (why: string) => {
    out.rejectedSpans++;
    out.firstRejection ||= why;
  };
  for (const rs of traces.resourceSpans as Array<Record<string, any>>) {
    const service = String(attributes(rs.resource?.attributes)['service.name'] ?? 'unknown_service').slice(0, 100) || 'unknown_service';
    for (const ss of (rs.scopeSpans ?? []) as Array<Record<string, any>>) {
      for (const span of (ss.spans ?? []) as unknown[]) {
        if (!isObject(span)) {
          reject('a span is not an object');
          continue;
        }
        const why = mapSpan(span, service, traces.idEncoding, slowQueryMs, now, out);
        if (why) reject(`span ${String(span.name ?? '')}: ${why}`);
      }
    }
  }
  return out;
}

function mapSpan(span: Record<string, any>, service: string, idEncoding: 'hex' | 'base64', slowQueryMs: number, now: number, out: MappedSpans): string | undefined {
  const start = nanosToMs(span.startTimeUnixNano);
  const end = nanosToMs(span.endTimeUnixNano);
  if (start === undefined || end === undefined || end < start) return 'startTimeUnixNano/endTimeUnixNano missing or reversed';
  if (!(end >= now - MAX_AGE_MS && end <= now + MAX_FUTURE_MS)) return 'ended more than 7 days ago or more than 5 minutes ahead';
  const attrs = attributes(span.attributes);
  const traceId = toHex(span.traceId, idEncoding);
  const durationMs = end - start;
  const pending: Array<[IngestKind, object]> = [];

  if (Number(span.kind) === SPAN_KIND_SERVER || span.kind === 'SPAN_KIND_SERVER') {
    const method = attrs['http.request.method'] ?? attrs['http.method'];
    const status = Number(attrs['http.response.status_code'] ?? attrs['http.status_code']);
    const route = attrs['http.route'] ?? routeFromName(span.name);
    if (!method || !route || !status) return 'a SERVER span needs http.request.method, http.route and http.response.status_code';
    pending.push(['requests', { timestamp: Math.round(end), service, method: String(method).toUpperCase(), route: String(route), status, durationMs, requestId: traceId }]);
  }

  const dbSystem = attrs['db.system'] ?? attrs['db.system.name'];
  const query = attrs['db.query.text'] ?? attrs['db.statement'];
  if (dbSystem && query && durationMs >= slowQueryMs) {
    pending.push(['queries', { timestamp: Math.round(end), service, query: String(query), durationMs, requestId: traceId, context: { dbSystem: String(dbSystem), span: String(span.name ?? '') } }]);
  }

  for (const event of (Array.isArray(span.events) ? span.events : []) as Array<Record<string, any>>) {
    if (event?.name !== 'exception') continue;
    const e = attributes(event.attributes);
    const type = String(e['exception.type'] ?? 'Error') || 'Error';
    const error: Record<string, unknown> = {
      timestamp: Math.round(nanosToMs(event.timeUnixNano) ?? end),
      service,
      type,
      severity: span.status?.code === STATUS_CODE_ERROR ? 'HIGH' : 'MEDIUM',
      message: String(e['exception.message'] ?? type).slice(0, 10_000) || type,
      requestId: traceId,
      context: { span: String(span.name ?? '') },
    };
    if (e['exception.stacktrace']) error.exception = String(e['exception.stacktrace']).slice(0, 100_000);
    pending.push(['errors', error]);
  }

  // Each event must pass the same wire-format validation as a posted one, else the span is rejected whole.
  for (const [kind, event] of pending) {
    const validate = batchValidators[kind];
    if (!validate({ events: [event] })) return `${validate.errors?.[0]?.instancePath ?? ''} ${validate.errors?.[0]?.message ?? 'invalid'}`.trim();
  }
  for (const [kind, event] of pending) (out[kind] as object[]).push(event);
  return undefined;
}

/** OTLP KeyValue list → plain object (nested arrays and maps are not needed here). */
function attributes(list: unknown): Record<string, string | number | boolean | undefined> {
  const out: Record<string, string | number | boolean | undefined> = {};
  if (!Array.isArray(list)) return out;
  for (const kv of list) {
    if (!isObject(kv) || typeof kv.key !== 'string' || !isObject(kv.value)) continue;
    const v = kv.value;
    out[kv.key] = v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue;
  }
  return out;
}

function nanosToMs(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  if (typeof value === 'string' && !/^\d{1,20}$/.test(value)) return undefined;
  // Milliseconds keep microseconds as a fraction; BigInt keeps the nanosecond string exact before that.
  const nanos = BigInt(value);
  return nanos > 0n ? Number(nanos / 1000n) / 1000 : undefined;
}

function toHex(id: unknown, encoding: 'hex' | 'base64'): string | undefined {
  if (typeof id !== 'string' || !id) return undefined;
  return encoding === 'hex' ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

/** HTTP server span names are `{method} {route}` when the instrumentation knows the route. */
function routeFromName(name: unknown): string | undefined {
  const match = typeof name === 'string' ? /^[A-Z]+ (\/\S*)$/.exec(name) : null;
  return match?.[1];
}
