/**
 * Delay before retry `attemptsMade`: exponential from `baseMs`, capped, with
 * jitter between half and all of the step, so that many jobs failing together
 * (Postgres away, a receiver down) do not come back in lockstep.
 */
export function cappedExponentialBackoff(attemptsMade: number, capMs = 60_000, random = Math.random, baseMs = 500): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export interface NotifyBackoff {
  baseMs: number;
  capMs: number;
}

/** BullMQ's custom backoff: `capped-exponential` for vigil's own work, `notify` for deliveries to receivers. */
export const backoffStrategy =
  (notify: NotifyBackoff) =>
  (attemptsMade: number, type?: string): number => {
    if (type === 'capped-exponential') return cappedExponentialBackoff(attemptsMade);
    if (type === 'notify') return cappedExponentialBackoff(attemptsMade, notify.capMs, Math.random, notify.baseMs);
    throw new Error(`unknown backoff type ${type}`);
  };
