import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { BreakerRegistry } from '@vigil/breakers';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { RequireRole } from '../auth/require-role.decorator';

/** The API process's circuit breakers (the worker's are in its /health/ready). */
@ApiTags('breakers')
@ApiBearerAuth()
@Controller('api/v1/breakers')
@UseGuards(AdminTokenGuard)
export class BreakersController {
  constructor(private readonly breakers: BreakerRegistry) {}

  @RequireRole('viewer')
  @Get()
  list() {
    return { breakers: this.breakers.snapshot() };
  }
}
