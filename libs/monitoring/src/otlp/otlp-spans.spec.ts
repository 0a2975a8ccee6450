import { mapSpans } from './otlp-spans';

const NOW = Date.UTC(2026, 10, 23, 10, 0, 0);
const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
const attr = (key: string, value: string | number) => ({ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } });

function traces(spans: object[], encoding: 'hex' | 'base64' = 'hex') {
  return {
    idEncoding: encoding,
    resourceSpans: [{ resource: { attributes: [attr('service.name', 'shop')] }, scopeSpans: [{ spans }] }],
  };
}
const span = (extra: object) => ({ traceId: '0af7651916cd43dd8448eb211c80319c', name: 'x', startTimeUnixNano: ns(NOW - 120), endTimeUnixNano: ns(NOW - 20), ...extra });

describe('mapSpans', () => {
  it('maps a SERVER span with stable HTTP conventions to a request', () => {
    const out = mapSpans(traces([span({ kind: 2, attributes: [attr('http.request.method', 'get'), attr('http.route', '/a/:id'), attr('http.response.status_code', 404)] })]), 200, NOW);
    expect(out.requests).toEqual([{ timestamp: NOW - 20, service: 'shop', method: 'GET', route: '/a/:id', status: 404, durationMs: 100, requestId: '0af7651916cd43dd8448eb211c80319c' }]);
    expect(out.rejectedSpans).toBe(0);
  });

  it('reads the old conventions and the route from the span name, and base64 ids from protobuf', () => {
    const id = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64');
    const out = mapSpans(traces([span({ traceId: id, kind: 2, name: 'POST /b', attributes: [attr('http.method', 'POST'), attr('http.status_code', 201)] })], 'base64'), 200, NOW);
    expect(out.requests[0]).toMatchObject({ method: 'POST', route: '/b', status: 201, requestId: '0af7651916cd43dd8448eb211c80319c' });
  });

  it('keeps DB spans at or over the threshold only', () => {
    const db = (ms: number) => span({ kind: 3, startTimeUnixNano: ns(NOW - ms), endTimeUnixNano: ns(NOW), attributes: [attr('db.system', 'postgresql'), attr('db.query.text', 'SELECT 1')] });
    const out = mapSpans(traces([db(199), db(200), db(900)]), 200, NOW);
    expect(out.queries.map((q) => q.durationMs)).toEqual([200, 900]);
    expect(out.queries[0]).toMatchObject({ query: 'SELECT 1', context: { dbSystem: 'postgresql' } });
  });

  it('turns exception events into errors, HIGH when the span failed', () => {
    const events = [{ name: 'exception', timeUnixNano: ns(NOW - 50), attributes: [attr('exception.type', 'TypeError'), attr('exception.message', 'bad'), attr('exception.stacktrace', 'at x')] }];
    const out = mapSpans(traces([span({ kind: 1, events, status: { code: 2 } }), span({ kind: 1, events })]), 200, NOW);
    expect(out.errors.map((e) => e.severity)).toEqual(['HIGH', 'MEDIUM']);
    expect(out.errors[0]).toMatchObject({ type: 'TypeError', message: 'bad', exception: 'at x', timestamp: NOW - 50 });
  });

  it('rejects and counts spans it cannot use, naming why', () => {
    const out = mapSpans(
      traces([
        span({ kind: 2, attributes: [attr('http.request.method', 'GET')] }),
        span({ kind: 2, startTimeUnixNano: 'soon', attributes: [] }),
        span({ kind: 2, endTimeUnixNano: ns(NOW - 8 * 86_400_000), startTimeUnixNano: ns(NOW - 8 * 86_400_000 - 5) }),
        span({ kind: 2, attributes: [attr('http.request.method', 'GET'), attr('http.route', '/x'), attr('http.response.status_code', 999)] }),
        'not a span',
        span({ kind: 1 }),
      ]),
      200,
      NOW,
    );
    expect(out.rejectedSpans).toBe(5);
    expect(out.firstRejection).toMatch(/http\.route/);
    expect(out.requests).toEqual([]);
  });
});
