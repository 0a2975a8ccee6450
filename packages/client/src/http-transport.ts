import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { EventKind, Transport } from './events';

const gzipAsync = promisify(gzip);

export interface HttpTransportOptions {
  url: string;
  apiKey: string;
  /** Attempts after the first on 429, 502-504 and network errors. */
  maxRetries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  timeoutMs?: number;
}

/** vigil refused the batch for good (400, 401, 413...): retrying cannot help. */
export class VigilRejectedError extends Error {
  constructor(readonly status: number, body: string) {
    super(`vigil rejected the batch: ${status} ${body.slice(0, 500)}`);
  }
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/**
 * POSTs gzipped batches to vigil's ingest API. Every batch carries its own
 * Idempotency-Key, so a retry after a lost answer is never stored twice.
 */
export function httpTransport(options: HttpTransportOptions): Transport {
  const base = options.url.replace(/\/+$/, '');
  const maxRetries = options.maxRetries ?? 5;
  const retryBaseMs = options.retryBaseMs ?? 500;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const timeoutMs = options.timeoutMs ?? 10_000;

  return {
    async send(kind: EventKind, events: object[]): Promise<void> {
      const body = await gzipAsync(JSON.stringify({ events }));
      const headers = {
        authorization: `Bearer ${options.apiKey}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'idempotency-key': randomUUID(),
      };
      for (let attempt = 0; ; attempt++) {
        let retryAfterMs: number | undefined;
        let failure: Error;
        try {
          const response = await fetch(`${base}/api/v1/ingest/${kind}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
          const text = await response.text();
          if (response.ok) return;
          if (!RETRYABLE.has(response.status)) throw new VigilRejectedError(response.status, text);
          retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
          failure = new Error(`vigil answered ${response.status}`);
        } catch (error) {
          if (error instanceof VigilRejectedError) throw error;
          failure = error as Error;
        }
        if (attempt >= maxRetries) throw failure;
        await sleep(retryAfterMs ?? backoffMs(attempt, retryBaseMs, retryMaxMs));
      }
    },
  };
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Capped exponential backoff with jitter (half to full), so clients do not retry in lockstep. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
