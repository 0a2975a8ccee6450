/**
 * Delay before retry `attemptsMade`: exponential from 500 ms, capped at one
 * minute, with full jitter so that many jobs failing together (Postgres away)
 * do not come back in lockstep.
 */
export function cappedExponentialBackoff(attemptsMade: number, capMs = 60_000, random = Math.random): number {
  const ceiling = Math.min(capMs, 500 * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export const BACKOFF_STRATEGY = (attemptsMade: number, type?: string): number => {
  if (type !== 'capped-exponential') throw new Error(`unknown backoff type ${type}`);
  return cappedExponentialBackoff(attemptsMade);
};
