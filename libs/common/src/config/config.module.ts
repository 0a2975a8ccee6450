import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Env, envSchema, validateEnv } from './env.schema';

export const ENV = Symbol('ENV');

export interface VigilConfigOptions {
  /** Use exactly these variables instead of process.env and .env (tests, tools). */
  env?: Record<string, string | undefined>;
}

/**
 * Wraps @nestjs/config: validates at boot and exposes the typed `Env` under the
 * `ENV` token, so services never read raw strings.
 */
@Module({})
export class VigilConfigModule {
  static forRoot(options: VigilConfigOptions = {}): DynamicModule {
    return {
      module: VigilConfigModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          cache: true,
          ignoreEnvFile: options.env !== undefined,
          // Nest copies validated variables into process.env; an app given its own variables must not read another's.
          skipProcessEnv: options.env !== undefined,
          envFilePath: '.env',
          validate: (raw) => validateEnv(options.env ?? raw) as unknown as Record<string, unknown>,
        }),
      ],
      providers: [
        {
          provide: ENV,
          inject: [ConfigService],
          useFactory: (config: ConfigService): Env => {
            const keys = Object.keys(envSchema.properties) as (keyof Env)[];
            return Object.fromEntries(keys.map((k) => [k, config.get(k)])) as unknown as Env;
          },
        },
      ],
      exports: [ENV],
    };
  }
}
