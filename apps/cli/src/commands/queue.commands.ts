import { Command } from 'commander';
import { QueueName } from '@vigil/common';
import { Queue } from 'bullmq';
import { CliContext, cliRedisConnection } from '../cli-context';
import { printTable } from '../output';

/** Jobs that exhausted their retries stay in Redis, failed, until someone re-drives them. */
export function registerQueueCommands(program: Command, context: () => CliContext): void {
  const withQueues = async <T>(run: (queues: Queue[]) => Promise<T>): Promise<T> => {
    const { env } = context();
    const connection = { ...cliRedisConnection(env), maxRetriesPerRequest: 1, enableOfflineQueue: false };
    const queues = Object.values(QueueName).map((name) => new Queue(name, { connection, prefix: env.REDIS_KEY_PREFIX }));
    try {
      await Promise.all(queues.map((q) => q.waitUntilReady()));
      return await run(queues);
    } finally {
      await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
    }
  };

  program
    .command('queue:status')
    .description('jobs per queue and state')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const rows = await withQueues((queues) =>
        Promise.all(
          queues.map(async (q) => ({ queue: q.name, ...(await q.getJobCounts('waiting', 'active', 'delayed', 'failed')) })),
        ),
      );
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else printTable(rows);
    });

  program
    .command('queue:retry-failed')
    .description('send every failed job back to its queue (batches are written at most once, so this is safe)')
    .action(async () => {
      const retried = await withQueues(async (queues) => {
        let total = 0;
        for (const q of queues) {
          total += await q.getFailedCount();
          await q.retryJobs({ state: 'failed' });
        }
        return total;
      });
      console.log(`re-queued ${retried} failed job(s)`);
    });
}
