import { ValidationError } from '@vigil/common';
import { parseWindow, TimeWindow } from '@vigil/monitoring';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads a query string strictly: each accessor validates one parameter and a
 * bad value is a 400 naming it; `done()` rejects parameters nobody asked for,
 * so a typo (`windw=7d`) is an error rather than a silently ignored default.
 */
export class QueryReader {
  private readonly seen = new Set<string>();

  constructor(private readonly query: Record<string, unknown>) {}

  private raw(name: string): string | undefined {
    this.seen.add(name);
    const value = this.query[name];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw new ValidationError([{ path: name, message: 'must be given once' }]);
    // PostgreSQL text cannot hold NUL: a 400 here, not a failed query.
    if (value.includes('\0')) throw new ValidationError([{ path: name, message: 'must not contain NUL characters' }]);
    return value;
  }

  window(now = Date.now(), fallback = '24h'): TimeWindow {
    return parseWindow({ window: this.raw('window'), from: this.raw('from'), to: this.raw('to') }, now, fallback);
  }

  text(name: string, max = 200): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && (value.length === 0 || value.length > max)) {
      throw new ValidationError([{ path: name, message: `must be 1-${max} characters` }]);
    }
    return value;
  }

  uuid(name: string): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && !UUID.test(value)) throw new ValidationError([{ path: name, message: 'must be a UUID' }]);
    return value;
  }

  number(name: string, { min, max, fallback, integer = false }: { min: number; max: number; fallback: number; integer?: boolean }): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
      throw new ValidationError([{ path: name, message: `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}` }]);
    }
    return n;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) throw new ValidationError([{ path: name, message: `must be one of ${allowed.join(', ')}` }]);
    return value as T;
  }

  done(): void {
    const unknown = Object.keys(this.query).filter((k) => !this.seen.has(k));
    if (unknown.length) throw new ValidationError(unknown.map((path) => ({ path, message: 'is not a known parameter' })));
  }
}
