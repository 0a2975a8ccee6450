import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { Env, validateEnv } from './env.schema';

/**
 * The environment for processes outside Nest (the CLI): `.env` under the real
 * environment, as @nestjs/config does for the apps, through the same schema.
 */
export function readEnv(envFile = '.env'): Env {
  const fromFile = existsSync(envFile) ? parseEnv(readFileSync(envFile, 'utf8')) : {};
  return validateEnv({ ...fromFile, ...process.env });
}
