import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ValidationError } from '@vigil/common';
import { ServiceTargetsService, validateTarget } from '@vigil/monitoring';
import { QueryReader } from '../analytics/query-reader';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { uuidParam } from '../http/uuid-param';

/** Service and uptime check targets (admin token); the worker checks each on its interval. */
@ApiTags('services')
@ApiBearerAuth()
@Controller('api/v1/services')
@UseGuards(AdminTokenGuard)
export class ServicesController {
  constructor(private readonly targets: ServiceTargetsService) {}

  /** Every target with its current status and uptime % over 24 h, 7 d and 30 d. */
  @RequireRole('viewer')
  @Get()
  async list() {
    return { services: await this.targets.list() };
  }

  @RequireRole('viewer')
  @Get(':id')
  get(@Param('id', uuidParam('id')) id: string) {
    return this.targets.get(id);
  }

  @Post()
  create(@Body() body: unknown) {
    return this.targets.create(validateTarget(body));
  }

  @Patch(':id')
  update(@Param('id', uuidParam('id')) id: string, @Body() body: unknown) {
    return this.targets.update(id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.targets.remove(id);
  }

  @RequireRole('viewer')
  @Get(':id/history')
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'since', required: false, description: 'ISO-8601' })
  async history(@Param('id', uuidParam('id')) id: string, @Query() query: Record<string, unknown>) {
    const q = new QueryReader(query);
    const limit = q.number('limit', { min: 1, max: 5000, fallback: 100, integer: true });
    const since = q.text('since', 40);
    q.done();
    const sinceDate = since === undefined ? undefined : new Date(since);
    if (sinceDate && Number.isNaN(sinceDate.getTime())) throw new ValidationError([{ path: 'since', message: 'must be an ISO-8601 date-time' }]);
    return { items: await this.targets.history(id, limit, sinceDate) };
  }
}
