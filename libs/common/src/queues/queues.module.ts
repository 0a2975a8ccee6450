import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module } from '@nestjs/common';
import { ENV } from '../config/config.module';
import { Env } from '../config/env.schema';
import { redisOptions } from '../redis/redis-options';
import { QueueName } from './job-payloads';
import { JobsService } from './jobs.service';

export interface QueuesOptions {
  /**
   * Producers (the API) fail fast when Redis is away so that the caller can
   * answer 503; consumers (the worker) wait for it to come back.
   */
  role: 'producer' | 'consumer';
}

/** Registers every queue with vigil's defaults and exposes JobsService. */
@Module({})
export class QueuesModule {
  static forRoot({ role }: QueuesOptions): DynamicModule {
    return {
      module: QueuesModule,
      global: true,
      imports: [
        BullModule.forRootAsync({
          inject: [ENV],
          useFactory: (env: Env) => ({
            prefix: env.REDIS_KEY_PREFIX,
            connection:
              role === 'producer'
                ? { ...redisOptions(env), enableOfflineQueue: false, maxRetriesPerRequest: 1 }
                : { ...redisOptions(env), maxRetriesPerRequest: null },
          }),
        }),
        BullModule.registerQueueAsync(
          {
            name: QueueName.Ingest,
            inject: [ENV],
            useFactory: (env: Env) => ({
              defaultJobOptions: {
                attempts: env.INGEST_JOB_ATTEMPTS,
                backoff: { type: 'capped-exponential' },
                // The batch ledger in Postgres deduplicates, so finished batches need not linger in Redis.
                removeOnComplete: true,
                // A batch that never succeeds stays visible and can be retried by hand: it is not dropped.
                removeOnFail: false,
              },
            }),
          },
          {
            name: QueueName.Alerting,
            useFactory: () => ({
              // A tick missed is not made up later: the next one evaluates the present.
              defaultJobOptions: { attempts: 3, backoff: { type: 'capped-exponential' }, removeOnComplete: { age: 3600, count: 1000 }, removeOnFail: { age: 86400 } },
            }),
          },
          {
            name: QueueName.Notify,
            inject: [ENV],
            useFactory: (env: Env) => ({
              // Delivery state lives in Postgres (deliveries): finished jobs need not linger.
              defaultJobOptions: {
                attempts: env.NOTIFY_ATTEMPTS,
                backoff: { type: 'notify' },
                removeOnComplete: { age: 3600, count: 10_000 },
                removeOnFail: { age: 7 * 86400 },
              },
            }),
          },
          {
            name: QueueName.Checks,
            useFactory: () => ({
              defaultJobOptions: {
                // A failed check is a result ("down"), not an error: a job that fails is not retried into a second result.
                attempts: 1,
                removeOnComplete: { age: 3600, count: 1000 },
                removeOnFail: { age: 7 * 86400, count: 1000 },
              },
            }),
          },
          {
            name: QueueName.Maintenance,
            useFactory: () => ({
              defaultJobOptions: {
                attempts: 5,
                backoff: { type: 'capped-exponential' },
                removeOnComplete: { age: 7 * 86400, count: 1000 },
                removeOnFail: { age: 30 * 86400 },
              },
            }),
          },
        ),
      ],
      providers: [JobsService],
      exports: [JobsService, BullModule],
    };
  }
}
