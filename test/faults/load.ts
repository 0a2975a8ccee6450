/** Events each of R1, R2 and R8 sends (the issue's R1 is `FAULT_EVENTS=1000000`), in batches of BATCH_SIZE. */
export const FAULT_EVENTS = Number(process.env.FAULT_EVENTS ?? 100_000);
export const BATCH_SIZE = 1000;

/** The outcome of a fault, printed as the one summary line the issue asks for. */
export interface FaultResult {
  sent: number;
  stored: number;
  lost: number;
  duplicated: number;
  status5xx: number;
}

export function summary(fault: string, result: FaultResult, extra: Record<string, number> = {}): string {
  const fields = { sent: result.sent, stored: result.stored, lost: result.lost, duplicated: result.duplicated, status5xx: result.status5xx, ...extra };
  return `fault=${fault} ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

export interface LoadOptions {
  url: () => string;
  key: string;
  batches: number;
  batchSize: number;
  concurrency: number;
  /** Stop retrying a batch after this long (bounded, so a broken run ends). */
  giveUpMs?: number;
  /** Awaited before a batch is first sent: a test holds batches back until its fault is under way. */
  beforeBatch?: (index: number) => Promise<void> | void;
}

export interface LoadStats {
  acceptedBatches: number;
  acceptedEvents: number;
  statuses: Map<number, number>;
  /** 503s that carried Retry-After. */
  retryAfter503: number;
  networkErrors: number;
  /** Network errors by cause: ECONNREFUSED while nothing listens is expected; a reset would be an answer lost. */
  networkErrorCodes: Record<string, number>;
  /** The first few 5xx answers, for the failure message. */
  samples5xx: string[];
}

/**
 * A well-behaved client: each batch has an Idempotency-Key and unique request
 * ids, and is retried (same key) on a network error, a 5xx or a 429 until it
 * gets its 202. `sent` is what vigil acknowledged.
 */
export async function sendBatches(options: LoadOptions): Promise<LoadStats> {
  const stats: LoadStats = { acceptedBatches: 0, acceptedEvents: 0, statuses: new Map(), retryAfter503: 0, networkErrors: 0, networkErrorCodes: {}, samples5xx: [] };
  const run = `${Date.now().toString(36)}`;
  let next = 0;
  const sendOne = async (index: number) => {
    const events = Array.from({ length: options.batchSize }, (_, j) => ({
      service: 'fault',
      method: 'GET',
      route: '/items/:id',
      status: j % 50 === 0 ? 500 : 200,
      durationMs: 5 + (j % 200),
      requestId: `${run}-${index}-${j}`,
    }));
    const body = JSON.stringify({ events });
    const deadline = Date.now() + (options.giveUpMs ?? 180_000);
    for (let attempt = 0; Date.now() < deadline; attempt++) {
      try {
        const response = await fetch(`${options.url()}/api/v1/ingest/requests`, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json', 'idempotency-key': `${run}-batch-${index}` },
          body,
          signal: AbortSignal.timeout(30_000),
        });
        const text = await response.text();
        if (response.status >= 500 && stats.samples5xx.length < 5) stats.samples5xx.push(`${response.status} ${text.slice(0, 300)}`);
        stats.statuses.set(response.status, (stats.statuses.get(response.status) ?? 0) + 1);
        if (response.status === 503 && response.headers.get('retry-after')) stats.retryAfter503++;
        if (response.status === 202) {
          stats.acceptedBatches++;
          stats.acceptedEvents += options.batchSize;
          return;
        }
        if (response.status < 429) throw new Error(`batch ${index}: unexpected ${response.status}`);
      } catch (error) {
        if ((error as Error).message.startsWith(`batch ${index}`)) throw error;
        stats.networkErrors++;
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name;
        stats.networkErrorCodes[cause] = (stats.networkErrorCodes[cause] ?? 0) + 1;
      }
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** Math.min(attempt, 5))));
    }
    throw new Error(`batch ${index} not accepted within the deadline`);
  };
  const lanes = Array.from({ length: options.concurrency }, async () => {
    while (next < options.batches) {
      const index = next++;
      await options.beforeBatch?.(index);
      await sendOne(index);
    }
  });
  await Promise.all(lanes);
  return stats;
}

export function count5xx(stats: LoadStats, except: number[] = []): number {
  let total = 0;
  for (const [status, n] of stats.statuses) if (status >= 500 && !except.includes(status)) total += n;
  return total;
}

/** Polls until `check` holds or the time is up; returns whether it held. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return check();
}
