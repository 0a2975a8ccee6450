import { ValidationError } from '@vigil/common';
import { Resolution } from '../rollups/rollup-families';

export interface TimeWindow {
  from: number;
  to: number;
}

export interface Segment {
  resolution: Resolution;
  from: number;
  to: number;
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_WINDOW_MS = 400 * 86_400_000;
/** Windows longer than this are resolved to the hour: minute edges would cost more rows than they are worth. */
const MINUTE_PRECISION_UP_TO_MS = 6 * 3_600_000;

/** `15m`, `24h`, `7d` as milliseconds, or a 400 naming `param`. */
export function parseDuration(value: string, param: string): number {
  const match = /^(\d{1,6})([mhd])$/.exec(value);
  const ms = match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : NaN;
  if (!(ms > 0 && ms <= MAX_WINDOW_MS)) {
    throw new ValidationError([{ path: param, message: 'must be a duration like 15m, 24h or 7d (at most 400d)' }]);
  }
  return ms;
}

/** The window a query asks for: `window` back from now, or `from`/`to` (ISO-8601). */
export function parseWindow(query: { window?: string; from?: string; to?: string }, now: number, fallback = '24h'): TimeWindow {
  if (query.from !== undefined || query.to !== undefined) {
    const from = parseInstant(query.from, 'from');
    const to = query.to === undefined ? now : parseInstant(query.to, 'to');
    if (from >= to) throw new ValidationError([{ path: 'from', message: 'must be before to' }]);
    if (to - from > MAX_WINDOW_MS) throw new ValidationError([{ path: 'from', message: 'window must be at most 400d' }]);
    return { from, to };
  }
  return { from: now - parseDuration(query.window ?? fallback, 'window'), to: now };
}

function parseInstant(value: string | undefined, param: string): number {
  const ms = value === undefined ? NaN : Date.parse(value);
  if (Number.isNaN(ms)) throw new ValidationError([{ path: param, message: 'must be an ISO-8601 date-time' }]);
  return ms;
}

const floorTo = (ms: number, step: number) => Math.floor(ms / step) * step;
const ceilTo = (ms: number, step: number) => Math.ceil(ms / step) * step;

/**
 * Covers a window with as few rollup rows as possible: whole days, then whole
 * hours, then minutes at the edges. Short windows are exact to the minute;
 * longer ones are widened to whole hours.
 */
export function coverWindow({ from, to }: TimeWindow): Segment[] {
  const finest = to - from <= MINUTE_PRECISION_UP_TO_MS ? 60 : 3600;
  const levels = ([86400, 3600, 60] as Resolution[]).filter((r) => r >= finest);
  const segments: Segment[] = [];
  const cover = (a: number, b: number, level: number): void => {
    if (a >= b) return;
    const resolution = levels[level];
    const step = resolution * 1000;
    if (level === levels.length - 1) {
      segments.push({ resolution, from: a, to: b });
      return;
    }
    const start = ceilTo(a, step);
    const end = floorTo(b, step);
    if (start < end) {
      segments.push({ resolution, from: start, to: end });
      cover(a, start, level + 1);
      cover(end, b, level + 1);
    } else {
      cover(a, b, level + 1);
    }
  };
  cover(floorTo(from, finest * 1000), ceilTo(to, finest * 1000), 0);
  return segments.sort((x, y) => x.from - y.from);
}

/** SQL matching the rollup rows of `segments`, with its parameters from `$first` on. */
export function segmentsSql(segments: Segment[], first: number): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const parts = segments.map((s) => {
    params.push(s.resolution, new Date(s.from).toISOString(), new Date(s.to).toISOString());
    const n = first + params.length - 3;
    return `(resolution = $${n} AND bucket >= $${n + 1} AND bucket < $${n + 2})`;
  });
  return { sql: parts.length ? `(${parts.join(' OR ')})` : 'false', params };
}
