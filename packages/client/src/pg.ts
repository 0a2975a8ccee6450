import type { VigilClient } from './client';
import { requestContext } from './context';

type Query = (...args: any[]) => any;
/** A pg Client (or PoolClient): anything with `query`. */
export interface PgClientLike {
  query: Query;
}
/** A pg Pool: its clients are instrumented as they connect. */
export interface PgPoolLike {
  query: Query;
  on(event: 'connect', listener: (client: PgClientLike) => void): unknown;
  totalCount: number;
}

const WRAPPED = Symbol('vigil.pg');

/**
 * Times every query of a pg Client or Pool: the request it ran in gets its db
 * count and time, and queries at least `client.slowQueryMs` slow are sent,
 * normalized. Instrument a Pool before its first query.
 */
export function instrumentPg<T extends PgClientLike | PgPoolLike>(target: T, client: VigilClient): T {
  client.tracksQueries = true;
  if ('totalCount' in target && typeof target.on === 'function') {
    target.on('connect', (pgClient) => wrap(pgClient, client));
  } else {
    wrap(target, client);
  }
  return target;
}

function wrap(target: PgClientLike & { [WRAPPED]?: true }, client: VigilClient): void {
  if (target[WRAPPED]) return;
  target[WRAPPED] = true;
  const original = target.query;
  target.query = function instrumentedQuery(this: unknown, ...args: any[]) {
    const first = args[0];
    // Submittables (pg-cursor, pg-query-stream) report their own lifecycle; let them through.
    if (first && typeof first.submit === 'function') return original.apply(this, args);
    const text: string = typeof first === 'string' ? first : first?.text;
    const start = performance.now();
    const ctx = requestContext.getStore();
    const done = (result: { rowCount?: number | null } | undefined) => {
      const ms = performance.now() - start;
      if (ctx) {
        ctx.dbQueries++;
        ctx.dbTimeMs += ms;
      }
      if (ms >= client.slowQueryMs && text) client.recordSlowQuery(text, ms, result?.rowCount ?? undefined);
    };
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = function (this: unknown, err: Error | null, result: any) {
        done(err ? undefined : result);
        return callback.call(this, err, result);
      };
      return original.apply(this, args);
    }
    return original.apply(this, args).then(
      (result: any) => {
        done(result);
        return result;
      },
      (error: unknown) => {
        done(undefined);
        throw error;
      },
    );
  };
}
