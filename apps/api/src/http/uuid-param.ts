import { ParseUUIDPipe } from '@nestjs/common';
import { ValidationError } from '@vigil/common';

/** A path parameter that must be a UUID: otherwise a 400 naming it. */
export const uuidParam = (name: string) =>
  new ParseUUIDPipe({ exceptionFactory: () => new ValidationError([{ path: name, message: 'must be a UUID' }]) });
