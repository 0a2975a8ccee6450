import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { createVigil, VigilClient } from './client';
import type { Transport } from './events';
import { backoffMs, parseRetryAfter } from './http-transport';

type Answer = { status: number; headers?: Record<string, string> } | 'reset';

/** A stand-in for vigil's ingest API on loopback: answers from a script, then 202. */
class FakeIngest {
  readonly received: Array<{ at: number; url: string; headers: IncomingHttpHeaders; events: Array<Record<string, unknown>> }> = [];
  readonly script: Answer[] = [];
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const answer = this.script.shift() ?? { status: 202 };
        this.received.push({ at: Date.now(), url: req.url!, headers: req.headers, events: JSON.parse(gunzipSync(Buffer.concat(chunks)).toString()).events });
        if (answer === 'reset') req.socket.destroy();
        else res.writeHead(answer.status, answer.headers).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const request = { method: 'GET', route: '/x', status: 200, durationMs: 1 };

describe('VigilClient over HTTP', () => {
  let ingest: FakeIngest;
  let client: VigilClient | undefined;
  beforeEach(async () => (ingest = await new FakeIngest().start()));
  afterEach(async () => {
    await client?.close();
    await ingest.stop();
  });
  const make = (options: Record<string, unknown> = {}) =>
    (client = createVigil({ url: ingest.url, apiKey: 'vgl_test', service: 'svc', flushIntervalMs: 60_000, retryBaseMs: 20, ...options }));

  it('sends gzipped batches split by count, with the key and one Idempotency-Key per batch', async () => {
    const vigil = make({ batchSize: 2 });
    for (let i = 0; i < 5; i++) vigil.recordRequest(request);
    await vigil.flush();
    expect(ingest.received.map((r) => r.events.length)).toEqual([2, 2, 1]);
    expect(ingest.received[0].url).toBe('/api/v1/ingest/requests');
    expect(ingest.received[0].headers).toMatchObject({ authorization: 'Bearer vgl_test', 'content-encoding': 'gzip' });
    expect(new Set(ingest.received.map((r) => r.headers['idempotency-key'])).size).toBe(3);
    expect(ingest.received[0].events[0]).toMatchObject({ service: 'svc', ...request });
    expect(vigil.sent).toBe(5);
  });

  it('flushes on its interval', async () => {
    const vigil = make({ flushIntervalMs: 50 });
    vigil.recordRequest(request);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ingest.received).toHaveLength(1);
    expect(vigil.sent).toBe(1);
  });

  it('retries 429 after Retry-After, then 503 and a reset connection with backoff, keeping the Idempotency-Key', async () => {
    ingest.script.push({ status: 429, headers: { 'retry-after': '1' } }, { status: 503 }, 'reset');
    const vigil = make();
    vigil.recordRequest(request);
    const started = Date.now();
    await vigil.flush();
    expect(ingest.received).toHaveLength(4);
    expect(ingest.received[1].at - ingest.received[0].at).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(new Set(ingest.received.map((r) => r.headers['idempotency-key'])).size).toBe(1);
    expect(vigil.sent).toBe(1);
    expect(vigil.dropped).toBe(0);
  });

  it('drops (and counts) a batch vigil refuses, without retrying it', async () => {
    ingest.script.push({ status: 400 });
    const errors: string[] = [];
    const vigil = make({ onError: (error: Error) => errors.push(error.message) });
    vigil.recordRequest(request);
    vigil.recordRequest(request);
    await vigil.flush();
    expect(ingest.received).toHaveLength(1);
    expect(vigil.dropped).toBe(2);
    expect(errors[0]).toMatch(/rejected the batch: 400/);
  });

  it('gives up after maxRetries and counts the batch as dropped', async () => {
    ingest.script.push({ status: 503 }, { status: 503 }, { status: 503 });
    const vigil = make({ maxRetries: 2 });
    vigil.recordRequest(request);
    await vigil.flush();
    expect(ingest.received).toHaveLength(3);
    expect(vigil.dropped).toBe(1);
  });
});

describe('VigilClient buffer', () => {
  it('holds at most maxBuffer events, in flight included, dropping and counting the rest without blocking', async () => {
    let release!: () => void;
    const sent: number[] = [];
    const transport: Transport = {
      send: (_kind, events) => new Promise<void>((resolve) => (release = () => (sent.push(events.length), resolve()))),
    };
    const vigil = createVigil({ service: 's', transport, maxBuffer: 3, batchSize: 2 });
    for (let i = 0; i < 2; i++) vigil.recordRequest(request); // a full batch: sent, stays held until delivered
    for (let i = 0; i < 3; i++) vigil.recordRequest(request);
    expect(vigil.dropped).toBe(2);
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    await tick();
    release();
    await tick();
    vigil.recordRequest(request);
    expect(vigil.dropped).toBe(2);
    const closed = vigil.close();
    await tick();
    release();
    await closed;
    expect(sent).toEqual([2, 2]);
    vigil.recordRequest(request);
    expect(vigil.dropped).toBe(3);
  });

  it('does nothing when disabled', async () => {
    const transport: Transport = { send: jest.fn() };
    const vigil = createVigil({ service: 's', transport, enabled: false });
    vigil.recordRequest(request);
    vigil.captureError(new Error('x'));
    await vigil.close();
    expect(transport.send).not.toHaveBeenCalled();
    expect(vigil.dropped).toBe(0);
  });
});

describe('retry timing', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it('backs off exponentially with jitter, capped', () => {
    for (let attempt = 0; attempt < 10; attempt++) {
      const ms = backoffMs(attempt, 100, 5000);
      const ceiling = Math.min(5000, 100 * 2 ** attempt);
      expect(ms).toBeGreaterThanOrEqual(ceiling / 2);
      expect(ms).toBeLessThanOrEqual(ceiling);
    }
  });
});
