import { Injectable } from '@nestjs/common';
import { Gauge, Registry } from 'prom-client';
import { BreakerRegistry } from './breaker-registry';

/** `vigil_breaker_open{breaker}`: 1 while a breaker rejects calls, read at scrape time. */
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
  }
}
