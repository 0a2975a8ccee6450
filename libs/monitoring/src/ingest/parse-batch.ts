import { ErrorEvent, QueryEvent, RequestEvent, toFieldIssues, ValidationError } from '@vigil/common';
import { batchValidators, IngestKind } from './event-schemas';

export const MAX_AGE_MS = 7 * 86_400_000;
export const MAX_FUTURE_MS = 5 * 60_000;

export interface EventOf {
  requests: RequestEvent;
  queries: QueryEvent;
  errors: ErrorEvent;
}

/**
 * PostgreSQL text cannot hold NUL. COPY replaced it, but the same strings also
 * reach rollups and fingerprints through query parameters, where a NUL failed
 * the batch on every retry after it had been accepted: U+FFFD it is, once, here.
 * (Nested `context` objects are cleaned when they are written as jsonb.)
 */
function replaceNul(event: Record<string, unknown>): void {
  for (const key in event) {
    const value = event[key];
    if (typeof value === 'string' && value.includes('\0')) event[key] = value.replace(/\0/g, '\uFFFD');
  }
}

/**
 * Validates a whole batch and returns its events with timestamps as epoch ms.
 * Any bad event rejects the batch: nothing of it is stored.
 */
export function parseBatch<K extends IngestKind>(kind: K, body: unknown, now: number): EventOf[K][] {
  const validate = batchValidators[kind];
  if (!validate(body)) throw new ValidationError(toFieldIssues(validate.errors));

  const events = (body as { events: Array<Record<string, unknown>> }).events;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const raw = event.timestamp;
    const ts = raw === undefined ? now : typeof raw === 'number' ? raw : Date.parse(raw as string);
    if (!(ts >= now - MAX_AGE_MS && ts <= now + MAX_FUTURE_MS)) {
      throw new ValidationError([
        { path: `events[${i}].timestamp`, message: 'must be at most 7 days old and at most 5 minutes ahead' },
      ]);
    }
    event.timestamp = ts;
    if (kind === 'requests') event.method = (event.method as string).toUpperCase();
    replaceNul(event);
  }
  return events as unknown as EventOf[K][];
}
