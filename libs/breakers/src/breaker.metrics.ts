import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { BreakerRegistry } from './breaker-registry';

const STATES = ['closed', 'open', 'half-open'] as const;
const OUTCOMES = ['successes', 'failures', 'rejects', 'timeouts'] as const;

/** Breaker state, rolling-window call counts and mean latency, read at scrape time. */
@Injectable()
export class BreakerMetrics {
  constructor(registry: Registry, breakers: BreakerRegistry) {
    new Gauge({
      name: 'vigil_breaker_open',
      help: '1 while the circuit breaker is open (calls rejected at once), 0 when closed or half-open',
      labelNames: ['breaker'],
      registers: [registry],
      collect() {
        for (const { name, state } of breakers.snapshot()) this.set({ breaker: name }, state === 'open' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'vigil_breaker_state',
      help: '1 for the state the circuit breaker is in, 0 for the others',
      labelNames: ['breaker', 'state'],
      registers: [registry],
      collect() {
        for (const b of breakers.snapshot()) for (const state of STATES) this.set({ breaker: b.name, state }, b.state === state ? 1 : 0);
      },
    });
    new Gauge({
      name: 'vigil_breaker_calls',
      help: "Calls through the circuit breaker in its rolling window, by outcome",
      labelNames: ['breaker', 'outcome'],
      registers: [registry],
      collect() {
        for (const b of breakers.snapshot()) for (const outcome of OUTCOMES) this.set({ breaker: b.name, outcome }, b[outcome]);
      },
    });
    new Gauge({
      name: 'vigil_breaker_latency_mean_ms',
      help: "Mean latency of calls through the circuit breaker in its rolling window",
      labelNames: ['breaker'],
      registers: [registry],
      collect() {
        for (const b of breakers.snapshot()) this.set({ breaker: b.name }, b.latencyMeanMs);
      },
    });
  }
}
