import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** A refused destination: loopback, private, link-local (cloud metadata) and the like. */
export class ForbiddenDestinationError extends Error {}

/** A receiver that answered, but not with 2xx. */
export class ReceiverError extends Error {
  constructor(
    readonly status: number,
    body: string,
  ) {
    super(`receiver answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`);
  }
}

/**
 * Keeps notification channels from being turned against vigil's own network
 * (SSRF). The check runs on the address actually connected to — inside the
 * socket's DNS lookup — so a name that resolves to a public address when
 * checked and to 127.0.0.1 when connected (DNS rebinding) is still refused.
 * Hosts in NOTIFY_ALLOWED_HOSTS are exempt.
 */
export class OutboundGuard {
  private readonly allowed: Set<string>;

  constructor(allowedHosts: string) {
    this.allowed = new Set(
      allowedHosts
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    );
  }

  private exempt(host: string): boolean {
    return this.allowed.has(host.toLowerCase().replace(/^\[|\]$/g, ''));
  }

  private check(host: string, address: string): void {
    if (this.exempt(host) || this.exempt(address)) return;
    const range = ipaddr.process(address).range();
    if (range !== 'unicast') throw new ForbiddenDestinationError(`${host} resolves to ${address} (${range}); add it to NOTIFY_ALLOWED_HOSTS to allow it`);
  }

  /** A DNS lookup for net/tls connect that refuses forbidden addresses. */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as LookupAddress[];
      try {
        for (const a of list) this.check(hostname, a.address);
      } catch (refused) {
        return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };

  /** One checked address for `host`, for clients that take an address (SMTP). */
  resolve(host: string): Promise<string> {
    if (isIP(host.replace(/^\[|\]$/g, ''))) {
      const literal = host.replace(/^\[|\]$/g, '');
      this.check(host, literal);
      return Promise.resolve(literal);
    }
    return new Promise((resolve, reject) =>
      this.lookup(host, {}, (error, address) => (error ? reject(error) : resolve(address as string))),
    );
  }

  /**
   * POSTs a body and resolves on 2xx; redirects are not followed (they could
   * point anywhere). An IP literal skips DNS, so it is checked here.
   */
  async post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<void> {
    const target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new ForbiddenDestinationError(`${target.protocol} URLs are not allowed`);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) this.check(host, host);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    await new Promise<void>((resolve, reject) => {
      const req = send(
        target,
        {
          method: 'POST',
          lookup: this.lookup,
          timeout: timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'vigil', ...headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if ((size += chunk.length) <= 4096) chunks.push(chunk);
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) resolve();
            else reject(new ReceiverError(status, Buffer.concat(chunks).toString('utf8')));
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}
