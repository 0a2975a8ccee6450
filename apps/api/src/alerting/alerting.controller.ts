import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AlertsService, InhibitRulesService, NotificationDispatcher, RulesService, SilencesService } from '@vigil/alerting';
import { bodyValidator, ValidationError } from '@vigil/common';
import { QueryReader } from '../analytics/query-reader';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { uuidParam } from '../http/uuid-param';

interface ActionBody {
  by?: string;
  comment?: string;
}

const actionBody = bodyValidator<ActionBody>({
  type: 'object',
  additionalProperties: false,
  properties: { by: { type: 'string', minLength: 1, maxLength: 100 }, comment: { type: 'string', maxLength: 2000 } },
});

/** Rules, and the alerts they raise (admin token). */
@ApiTags('alerting')
@ApiBearerAuth()
@Controller('api/v1')
@UseGuards(AdminTokenGuard)
export class AlertingController {
  constructor(
    private readonly rules: RulesService,
    private readonly alerts: AlertsService,
    private readonly silences: SilencesService,
    private readonly inhibitRules: InhibitRulesService,
    private readonly dispatcher: NotificationDispatcher,
  ) {}

  @Get('rules')
  @RequireRole('viewer')
  async listRules() {
    return { rules: await this.rules.list() };
  }

  @Get('rules/:id')
  @RequireRole('viewer')
  getRule(@Param('id', uuidParam('id')) id: string) {
    return this.rules.get(id);
  }

  @Post('rules')
  @RequireRole('editor')
  createRule(@Body() body: unknown) {
    return this.rules.create(body);
  }

  @Patch('rules/:id')
  @RequireRole('editor')
  updateRule(@Param('id', uuidParam('id')) id: string, @Body() body: unknown) {
    return this.rules.update(id, body);
  }

  @Delete('rules/:id')
  @RequireRole('editor')
  @HttpCode(204)
  async deleteRule(@Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.rules.remove(id);
  }

  @Get('alerts')
  @RequireRole('viewer')
  listAlerts(@Query() query: Record<string, unknown>) {
    const q = new QueryReader(query);
    const state = q.oneOf('state', ['active', 'pending', 'firing', 'acknowledged', 'resolved'] as const, 'active');
    const severity = q.oneOf('severity', ['warning', 'critical', 'any'] as const, 'any');
    const service = q.text('service', 100);
    const project = q.uuid('project');
    const since = q.text('since', 40);
    const limit = q.number('limit', { min: 1, max: 500, fallback: 50, integer: true });
    const offset = q.number('offset', { min: 0, max: 1_000_000, fallback: 0, integer: true });
    q.done();
    const sinceDate = since === undefined ? undefined : new Date(since);
    if (sinceDate && Number.isNaN(sinceDate.getTime())) throw new ValidationError([{ path: 'since', message: 'must be an ISO-8601 date-time' }]);
    return this.alerts.list({ state, severity: severity === 'any' ? undefined : severity, service, project, since: sinceDate, limit, offset });
  }

  @Get('alerts/:id')
  @RequireRole('viewer')
  getAlert(@Param('id', uuidParam('id')) id: string) {
    return this.alerts.get(id);
  }

  @Get('alerts/:id/history')
  @RequireRole('viewer')
  history(@Param('id', uuidParam('id')) id: string) {
    return this.alerts.history(id);
  }

  @Post('alerts/:id/ack')
  @RequireRole('editor')
  @HttpCode(200)
  acknowledge(@Param('id', uuidParam('id')) id: string, @Body() body: unknown) {
    const { by, comment } = actionBody(body ?? {});
    return this.alerts.acknowledge(id, by ?? 'admin', comment);
  }

  @Post('alerts/:id/resolve')
  @RequireRole('editor')
  @HttpCode(200)
  async resolve(@Param('id', uuidParam('id')) id: string, @Body() body: unknown) {
    const { by, comment } = actionBody(body ?? {});
    const alert = await this.alerts.resolve(id, by ?? 'admin', comment);
    // The resolved notice is in the outbox; routing now rather than at the next sweep.
    await this.dispatcher.routeSoon();
    return alert;
  }

  @Get('silences')
  @RequireRole('viewer')
  async listSilences(@Query() query: Record<string, unknown>) {
    const q = new QueryReader(query);
    const state = q.oneOf('state', ['active', 'all'] as const, 'active');
    q.done();
    return { silences: await this.silences.list(state === 'active') };
  }

  @Post('silences')
  @RequireRole('editor')
  createSilence(@Body() body: unknown) {
    return this.silences.create(body);
  }

  @Post('maintenance-windows')
  @RequireRole('editor')
  createMaintenanceWindow(@Body() body: unknown) {
    return this.silences.createMaintenanceWindow(body);
  }

  @Delete('silences/:id')
  @RequireRole('editor')
  @HttpCode(204)
  async expireSilence(@Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.silences.expire(id);
  }

  @Get('inhibit-rules')
  @RequireRole('viewer')
  async listInhibitRules() {
    return { inhibitRules: await this.inhibitRules.list() };
  }

  @Post('inhibit-rules')
  @RequireRole('editor')
  createInhibitRule(@Body() body: unknown) {
    return this.inhibitRules.create(body);
  }

  @Delete('inhibit-rules/:id')
  @RequireRole('editor')
  @HttpCode(204)
  async deleteInhibitRule(@Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.inhibitRules.remove(id);
  }
}
