const PROBE_OR_SCRAPE = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Probes and Prometheus scrapes: frequent and uninteresting, so they are kept
 * out of request logs and out of vigil's own request metrics.
 */
export function isProbeOrScrape(path: string | undefined): boolean {
  return path !== undefined && PROBE_OR_SCRAPE.test(path);
}
