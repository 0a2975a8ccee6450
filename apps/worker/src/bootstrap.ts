import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp, VigilConfigOptions } from '@vigil/common';
import { WorkerModule } from './worker.module';

/** Builds the worker with its probe listener (not yet listening): used by main.ts and the tests. */
export function createWorker(config: VigilConfigOptions = {}): Promise<NestFastifyApplication> {
  return createHttpApp(WorkerModule.forRoot(config), { bodyLimit: 64 * 1024 });
}
