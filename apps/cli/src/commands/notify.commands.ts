import { randomBytes } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { reviveDeadDeliveries } from '@vigil/alerting';
import { JobName } from '@vigil/common';
import { CliContext } from '../cli-context';
import { runInWorker } from '../worker-job';

interface SweepResult {
  routed: number;
  flushed: number;
  requeued: number;
  escalated: number;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new InvalidArgumentError('--timeout must be a number of seconds from 1 to 3600');
  return n;
}

/** Notification delivery by hand: send what is due now, and re-drive dead letters. */
export function registerNotifyCommands(program: Command, context: () => CliContext): void {
  program
    .command('send-alerts')
    .description('send every notification that is due now, through the worker (routing, group flushes, lost jobs, escalations)')
    .option('--retry-dead', 'first put every dead-lettered delivery back, from attempt one')
    .option('--timeout <s>', 'seconds to wait for the worker', seconds, 30)
    .option('--json', 'print JSON')
    .action(async (options: { retryDead?: boolean; timeout: number; json?: boolean }) => {
      const ctx = context();
      const revived = options.retryDead ? await reviveDeadDeliveries(await ctx.database(), 'true', []) : [];
      const tick = new Date().toISOString();
      const result = await runInWorker<JobName.SweepNotifications, SweepResult>(
        ctx.env,
        JobName.SweepNotifications,
        { tick, redrive: revived },
        `notify-sweep-cli-${randomBytes(4).toString('hex')}`,
        options.timeout,
        'the notification sweep',
      );
      if (options.json) return console.log(JSON.stringify({ revived, ...result }, null, 2));
      if (options.retryDead) console.log(`dead deliveries put back: ${revived.length}${revived.length ? ` (${revived.join(', ')})` : ''}`);
      console.log(`routed ${result.routed} notification(s), flushed ${result.flushed} group(s), enqueued ${result.requeued} delivery(ies), escalated ${result.escalated} alert(s)`);
    });
}
