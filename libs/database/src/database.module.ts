import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ENV, Env } from '@vigil/common';
import { SlowQueryLogger } from '@vigil/monitoring';
import { dataSourceOptions } from './data-source.options';

/** TypeORM for an app; its slow queries feed vigil's own metrics (SelfInstrumentationModule must be imported). */
@Module({})
export class DatabaseModule {
  static forRoot(applicationName: string): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [ENV, SlowQueryLogger],
          useFactory: (env: Env, logger: SlowQueryLogger) => ({
            ...dataSourceOptions(env, { applicationName, logger }),
            retryAttempts: 3,
            retryDelay: 1000,
          }),
        }),
      ],
    };
  }
}
