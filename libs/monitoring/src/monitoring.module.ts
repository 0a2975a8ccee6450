import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKey } from './entities/api-key.entity';
import { Project } from './entities/project.entity';
import { ServiceHealth } from './entities/service-health.entity';
import { MetricsQueryService } from './analytics/metrics-query.service';
import { BatchWriter } from './ingest/batch-writer';
import { ApiKeysService } from './keys/api-keys.service';
import { AdminToken } from './tokens/admin-token.entity';
import { AdminTokensService } from './tokens/admin-tokens.service';
import { PartitionManager } from './partitions/partition-manager';
import { RetentionService } from './retention/retention.service';
import { ServiceTargetsService } from './checks/service-targets.service';
import { ResourceSampler } from './self/resource-sampler';

@Module({
  imports: [TypeOrmModule.forFeature([Project, ApiKey, ServiceHealth, AdminToken])],
  providers: [ApiKeysService, AdminTokensService, PartitionManager, BatchWriter, MetricsQueryService, RetentionService, ServiceTargetsService, ResourceSampler],
  exports: [ApiKeysService, AdminTokensService, PartitionManager, BatchWriter, MetricsQueryService, RetentionService, ServiceTargetsService],
})
export class MonitoringModule {}
