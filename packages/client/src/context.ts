import { AsyncLocalStorage } from 'node:async_hooks';

/** What one request accumulates while it runs: the queries it made and their time. */
export interface RequestContext {
  requestId: string | undefined;
  route: string | undefined;
  dbQueries: number;
  dbTimeMs: number;
}

/**
 * The request a query belongs to. Middleware enters it only once a query hook
 * is installed, so apps without one pay nothing for AsyncLocalStorage.
 */
export const requestContext = new AsyncLocalStorage<RequestContext>();

export function newContext(requestId: string | undefined, route: string | undefined): RequestContext {
  return { requestId, route, dbQueries: 0, dbTimeMs: 0 };
}
