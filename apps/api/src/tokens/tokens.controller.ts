import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { bodyValidator } from '@vigil/common';
import { AdminTokensService } from '@vigil/monitoring';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { uuidParam } from '../http/uuid-param';

const tokenBody = bodyValidator<{ name: string; role: string }>({
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role'],
  properties: { name: { type: 'string' }, role: { type: 'string' } },
});

/** Management tokens (admin role). A token's secret is returned once, at creation. */
@ApiTags('tokens')
@ApiBearerAuth()
@Controller('api/v1/tokens')
@UseGuards(AdminTokenGuard)
export class TokensController {
  constructor(private readonly tokens: AdminTokensService) {}

  @Get()
  @RequireRole('admin')
  async list() {
    return { tokens: await this.tokens.list() };
  }

  @Post()
  @RequireRole('admin')
  async create(@Body() body: unknown) {
    const { name, role } = tokenBody(body);
    const { token, adminToken } = await this.tokens.create(name.trim(), role);
    return { ...adminToken, token };
  }

  @Delete(':id')
  @RequireRole('admin')
  @HttpCode(204)
  async revoke(@Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.tokens.revoke(id);
  }
}
