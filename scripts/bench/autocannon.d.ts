/** The part of autocannon 8's programmatic API the benches use: the package ships no types. */
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      headers?: Record<string, string>;
      body?: string;
      connections?: number;
      /** Total requests; the run ends once all of them were answered. */
      amount?: number;
      /** Seconds to run when no amount is given. */
      duration?: number;
      /** Per-request timeout in seconds. */
      timeout?: number;
      /** Milliseconds between samples; a run only ends on a sample tick. */
      sampleInt?: number;
    }

    interface Histogram {
      average: number;
      min: number;
      max: number;
      p50: number;
      p90: number;
      p99: number;
    }

    interface Result {
      /** Seconds, from the first request to the tick that ended the run. */
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      '2xx': number;
      latency: Histogram;
      requests: Histogram & { sent: number };
    }
  }

  /** Resolves when the run ends (the returned tracker is thenable, not a full Promise). */
  function autocannon(options: autocannon.Options): PromiseLike<autocannon.Result>;
  export = autocannon;
}
