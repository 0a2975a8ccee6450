import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MonitoringModule } from '@vigil/monitoring';
import { InstantEvaluation } from './evaluation/instant-evaluation';
import { RuleEvaluator } from './evaluation/rule-evaluator.service';
import { AlertsService } from './lifecycle/alerts.service';
import { InhibitRulesService } from './lifecycle/inhibit-rules.service';
import { SilencesService } from './lifecycle/silences.service';
import { AlertRule } from './rules/alert-rule.entity';
import { RulesService } from './rules/rules.service';
import { ChannelSenders } from './notify/channel-senders';
import { ChannelsService } from './notify/channels.service';
import { DeliveryService } from './notify/delivery.service';
import { NotificationDispatcher } from './notify/dispatcher';
import { NotificationsService } from './notify/notifications.service';
import { RoutesService } from './notify/routes.service';

const NOTIFY = [ChannelSenders, ChannelsService, RoutesService, NotificationDispatcher, DeliveryService, NotificationsService];

@Module({
  imports: [TypeOrmModule.forFeature([AlertRule]), MonitoringModule],
  providers: [RulesService, AlertsService, SilencesService, InhibitRulesService, RuleEvaluator, InstantEvaluation, ...NOTIFY],
  exports: [RulesService, AlertsService, SilencesService, InhibitRulesService, RuleEvaluator, InstantEvaluation, ...NOTIFY],
})
export class AlertingModule {}
