import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MonitoringModule } from '@vigil/monitoring';
import { RuleEvaluator } from './evaluation/rule-evaluator.service';
import { AlertsService } from './lifecycle/alerts.service';
import { InhibitRulesService } from './lifecycle/inhibit-rules.service';
import { SilencesService } from './lifecycle/silences.service';
import { AlertRule } from './rules/alert-rule.entity';
import { RulesService } from './rules/rules.service';

@Module({
  imports: [TypeOrmModule.forFeature([AlertRule]), MonitoringModule],
  providers: [RulesService, AlertsService, SilencesService, InhibitRulesService, RuleEvaluator],
  exports: [RulesService, AlertsService, SilencesService, InhibitRulesService, RuleEvaluator],
})
export class AlertingModule {}
