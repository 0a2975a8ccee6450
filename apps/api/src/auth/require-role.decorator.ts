import { SetMetadata } from '@nestjs/common';
import type { Role } from '@vigil/monitoring';

export const REQUIRED_ROLE = 'vigil:required-role';

/** The least role a management route needs; a route without one is admin-only. */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);
