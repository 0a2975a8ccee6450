import type { IncomingMessage } from 'node:http';
import type { RequestEvent } from './events';

/** What the framework integrations take besides the client. */
export interface MiddlewareOptions<Req = IncomingMessage> {
  /** The user id of a request, if any (called once per request, after the response). */
  user?: (req: Req) => string | undefined;
  tenant?: (req: Req) => string | undefined;
  /** More fields of the request event, known only to the app (cache hits and misses, say). */
  fields?: (req: Req) => Pick<RequestEvent, 'cacheHits' | 'cacheMisses' | 'clientIp'> | undefined;
  /** Routes not to record, e.g. health probes. */
  ignore?: (route: string) => boolean;
}

export const UNMATCHED = '(unmatched)';

export function headerRequestId(req: IncomingMessage): string | undefined {
  const id = req.headers['x-request-id'];
  return typeof id === 'string' ? id : undefined;
}
