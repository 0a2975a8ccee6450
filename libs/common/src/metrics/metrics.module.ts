import { Global, Module } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { MetricsController } from './metrics.controller';
import { QueueMetrics } from './queue.metrics';

/**
 * `GET /metrics` for Prometheus. Each app gets its own Registry (injected by
 * its class) rather than prom-client's global one, so that two apps in one
 * process (as in the tests) never register a metric twice.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [
    {
      provide: Registry,
      useFactory: () => {
        const registry = new Registry();
        collectDefaultMetrics({ register: registry });
        return registry;
      },
    },
    QueueMetrics,
  ],
  exports: [Registry],
})
export class MetricsModule {}
