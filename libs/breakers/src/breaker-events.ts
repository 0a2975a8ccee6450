import { Injectable } from '@nestjs/common';
import { SelfMetricsRecorder } from '@vigil/monitoring';
import { BreakerRegistry } from './breaker-registry';

/**
 * Every breaker state change becomes one of vigil's own error events (project
 * "vigil"), so an error-count rule can alert on it: opening is HIGH, half-open
 * and closing are LOW. Each breaker and state is its own error group.
 */
@Injectable()
export class BreakerEvents {
  constructor(breakers: BreakerRegistry, recorder: SelfMetricsRecorder) {
    breakers.onStateChange((breaker, state) =>
      recorder.client.record('errors', {
        timestamp: Date.now(),
        service: recorder.client.service,
        type: 'CircuitBreakerStateChange',
        severity: state === 'open' ? 'HIGH' : 'LOW',
        message: `circuit breaker ${breaker} is ${state}`,
        context: { breaker, state },
      }),
    );
  }
}
