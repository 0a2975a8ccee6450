import { Injectable } from '@nestjs/common';
import { DeliveryDeferred, DeliveryService, NotificationDispatcher } from '@vigil/alerting';
import { JobName } from '@vigil/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';

/** The notify queue: routing, group flushes, deliveries and the sweep. */
@Injectable()
export class NotifyProcessor {
  constructor(
    private readonly dispatcher: NotificationDispatcher,
    private readonly deliveries: DeliveryService,
  ) {}

  async process(job: Job, token?: string): Promise<unknown> {
    switch (job.name) {
      case JobName.RouteNotifications:
        return { routed: await this.dispatcher.routePending() };
      case JobName.FlushGroup:
        return { deliveries: await this.dispatcher.flushGroup(job.data.routeId, job.data.groupKey) };
      case JobName.Deliver:
        try {
          return await this.deliveries.deliver(job.data.deliveryId, { attemptsMade: job.attemptsMade, attempts: job.opts.attempts ?? 1 });
        } catch (error) {
          if (!(error instanceof DeliveryDeferred)) throw error;
          // Waiting its turn is not a failed attempt.
          await job.moveToDelayed(error.untilMs, token);
          throw new DelayedError(error.message);
        }
      case JobName.SweepNotifications:
        return this.dispatcher.sweep(job.data.redrive ?? []);
      default:
        throw new UnrecoverableError(`unknown notify job ${job.name}`);
    }
  }
}
