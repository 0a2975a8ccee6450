import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Arrival {
  id: string;
  at: number;
  body: Record<string, any>;
}

/**
 * The benches' notification receiver: answers 200 at once and keeps every
 * arrival, so a bench can count what came twice (same webhook-id) and what
 * never came.
 */
export class WebhookReceiver {
  readonly arrivals: Arrival[] = [];
  readonly seen = new Map<string, number>();
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const id = String(req.headers['webhook-id'] ?? '');
        this.seen.set(id, (this.seen.get(id) ?? 0) + 1);
        this.arrivals.push({ id, at: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        res.writeHead(200).end();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  get duplicates(): number {
    return this.arrivals.length - this.seen.size;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Resolves once `done()` holds, polling; rejects after `timeoutMs`. */
export async function until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
