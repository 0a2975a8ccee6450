import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { bodyValidator } from '@vigil/common';
import { ApiKeysService } from '@vigil/monitoring';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { uuidParam } from '../http/uuid-param';

interface NameBody {
  name: string;
}

const nameBody = bodyValidator<NameBody>({
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 100, pattern: '\\S' } },
});

/** Projects and their ingest keys (admin token). A key's secret is returned once, at creation. */
@ApiTags('projects')
@ApiBearerAuth()
@Controller('api/v1')
@UseGuards(AdminTokenGuard)
export class ProjectsController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get('projects')
  @RequireRole('viewer')
  async list() {
    return { projects: await this.keys.listProjects() };
  }

  @Post('projects')
  @RequireRole('admin')
  create(@Body() body: unknown) {
    return this.keys.createProject(nameBody(body).name.trim());
  }

  @Get('projects/:id/keys')
  @RequireRole('viewer')
  async listKeys(@Param('id', uuidParam('id')) projectId: string) {
    return { keys: await this.keys.listKeys(projectId) };
  }

  @Post('projects/:id/keys')
  @RequireRole('admin')
  async createKey(@Param('id', uuidParam('id')) projectId: string, @Body() body: unknown) {
    const { key, apiKey } = await this.keys.createKey(projectId, nameBody(body).name.trim());
    return { ...apiKey, key };
  }

  @Delete('keys/:id')
  @RequireRole('admin')
  @HttpCode(204)
  async revoke(@Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.keys.revokeKey(id);
  }
}
