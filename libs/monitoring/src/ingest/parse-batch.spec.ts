import { ValidationError } from '@vigil/common';
import { MAX_EVENTS_PER_BATCH } from './event-schemas';
import { parseBatch } from './parse-batch';

const now = Date.parse('2026-11-23T12:00:00Z');
const request = (extra: Record<string, unknown> = {}) => ({
  service: 'shop',
  method: 'get',
  route: '/orders/:id',
  status: 200,
  durationMs: 12.5,
  ...extra,
});

function issues(kind: 'requests' | 'queries' | 'errors', body: unknown) {
  try {
    parseBatch(kind, body, now);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details;
  }
  throw new Error('expected a ValidationError');
}

describe('parseBatch', () => {
  it('accepts a valid batch, defaults the timestamp and upper-cases the method', () => {
    const [a, b] = parseBatch('requests', { events: [request(), request({ timestamp: '2026-11-23T11:59:00Z' })] }, now);
    expect(a).toMatchObject({ timestamp: now, method: 'GET', service: 'shop' });
    expect(b.timestamp).toBe(now - 60_000);
  });

  it('accepts epoch milliseconds', () => {
    const [a] = parseBatch('requests', { events: [request({ timestamp: now - 1000 })] }, now);
    expect(a.timestamp).toBe(now - 1000);
  });

  it.each([
    [{ events: [request({ status: 700 })] }, 'events[0].status', 'must be <= 599'],
    [{ events: [request(), request({ extra: 1 })] }, 'events[1].extra', 'is not an allowed field'],
    [{ events: [request({ service: undefined })] }, 'events[0].service', 'is required'],
    [{ events: [request({ durationMs: -1 })] }, 'events[0].durationMs', 'must be >= 0'],
    [{ events: [request({ durationMs: '5' })] }, 'events[0].durationMs', 'must be number'],
    [{ events: [request({ clientIp: 'not-an-ip' })] }, 'events[0].clientIp', 'must be an IPv4 or IPv6 address'],
    [{ events: [request({ timestamp: 'yesterday' })] }, 'events[0].timestamp', 'must be an ISO-8601 date-time with time zone or epoch milliseconds'],
    [{ events: [request({ timestamp: now - 8 * 86_400_000 })] }, 'events[0].timestamp', 'must be at most 7 days old and at most 5 minutes ahead'],
    [{ events: [request({ timestamp: now + 6 * 60_000 })] }, 'events[0].timestamp', 'must be at most 7 days old and at most 5 minutes ahead'],
    [{ events: [] }, 'events', 'must NOT have fewer than 1 items'],
    [{ events: [request()], more: true }, 'more', 'is not an allowed field'],
    [[], 'body', 'must be object'],
  ])('rejects %j naming the field', (body, path, message) => {
    expect(issues('requests', body)).toEqual([{ path, message }]);
  });

  it('rejects more than 10,000 events', () => {
    const events = Array.from({ length: MAX_EVENTS_PER_BATCH + 1 }, () => request());
    expect(issues('requests', { events })).toEqual([{ path: 'events', message: 'must NOT have more than 10000 items' }]);
  });

  it('validates query and error events by their own schema', () => {
    expect(parseBatch('queries', { events: [{ service: 's', query: 'select 1', durationMs: 3, context: { a: 1 } }] }, now)).toHaveLength(1);
    expect(issues('queries', { events: [{ service: 's', query: '', durationMs: 3 }] })).toEqual([
      { path: 'events[0].query', message: 'must NOT have fewer than 1 characters' },
    ]);
    expect(issues('errors', { events: [{ service: 's', type: 'E', severity: 'FATAL', message: 'm' }] })).toEqual([
      { path: 'events[0].severity', message: 'must be one of CRITICAL, HIGH, MEDIUM, LOW' },
    ]);
  });
});
