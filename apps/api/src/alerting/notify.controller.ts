import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ChannelsService, NOTIFICATION_STATES, NotificationsService, RoutesService } from '@vigil/alerting';
import { ValidationError } from '@vigil/common';
import { QueryReader } from '../analytics/query-reader';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { uuidParam } from '../http/uuid-param';

const notificationId = (value: string): string => {
  if (!/^[1-9]\d{0,17}$/.test(value)) throw new ValidationError([{ path: 'id', message: 'must be a notification id (a positive integer)' }]);
  return value;
};

/** Channels, routes and the notifications sent through them (admin token). */
@ApiTags('notifications')
@ApiBearerAuth()
@Controller('api/v1')
@UseGuards(AdminTokenGuard)
export class NotifyController {
  constructor(
    private readonly channels: ChannelsService,
    private readonly routes: RoutesService,
    private readonly notifications: NotificationsService,
  ) {}

  @Get('channels')
  @RequireRole('viewer')
  async listChannels() {
    return { channels: await this.channels.list() };
  }

  @Get('channels/:id')
  @RequireRole('viewer')
  getChannel(@Param('id', uuidParam('id')) id: string) {
    return this.channels.get(id);
  }

  @Post('channels')
  @RequireRole('admin')
  @ApiOperation({ summary: 'Create a channel; secrets are literal (stored encrypted) or {"env": "VIGIL_SECRET_..."}; a webhook gets a signing secret shown once' })
  createChannel(@Body() body: unknown) {
    return this.channels.create(body);
  }

  @Patch('channels/:id')
  @RequireRole('admin')
  updateChannel(@Param('id', uuidParam('id')) id: string, @Body() body: unknown) {
    return this.channels.update(id, body);
  }

  @Delete('channels/:id')
  @RequireRole('admin')
  @HttpCode(204)
  async deleteChannel(@Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.channels.remove(id);
  }

  @Post('channels/:id/test')
  @RequireRole('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a test notification now; 502 with the receiver’s answer if it fails' })
  testChannel(@Param('id', uuidParam('id')) id: string) {
    return this.channels.test(id);
  }

  @Get('routes')
  @RequireRole('viewer')
  async listRoutes() {
    return { routes: await this.routes.list() };
  }

  @Get('routes/:id')
  @RequireRole('viewer')
  getRoute(@Param('id', uuidParam('id')) id: string) {
    return this.routes.get(id);
  }

  @Post('routes')
  @RequireRole('admin')
  createRoute(@Body() body: unknown) {
    return this.routes.create(body);
  }

  @Patch('routes/:id')
  @RequireRole('admin')
  updateRoute(@Param('id', uuidParam('id')) id: string, @Body() body: unknown) {
    return this.routes.update(id, body);
  }

  @Delete('routes/:id')
  @RequireRole('admin')
  @HttpCode(204)
  async deleteRoute(@Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.routes.remove(id);
  }

  @Get('notifications')
  @RequireRole('viewer')
  @ApiOperation({ summary: 'Notifications with their deliveries; state=dead lists the dead letters' })
  listNotifications(@Query() query: Record<string, unknown>) {
    const q = new QueryReader(query);
    const state = q.oneOf('state', [...NOTIFICATION_STATES, 'any'] as const, 'any');
    const alertId = q.text('alertId', 36);
    const limit = q.number('limit', { min: 1, max: 500, fallback: 50, integer: true });
    const offset = q.number('offset', { min: 0, max: 1_000_000, fallback: 0, integer: true });
    q.done();
    if (alertId !== undefined && !/^[0-9a-f-]{36}$/i.test(alertId)) throw new ValidationError([{ path: 'alertId', message: 'must be a UUID' }]);
    return this.notifications.list({ state: state === 'any' ? undefined : state, alertId, limit, offset });
  }

  @Post('notifications/:id/retry')
  @RequireRole('editor')
  @HttpCode(202)
  @ApiOperation({ summary: 'Re-drive the dead deliveries of a notification from attempt one' })
  retry(@Param('id') id: string) {
    return this.notifications.retry(notificationId(id));
  }
}
