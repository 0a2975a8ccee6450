import { ENV, Env } from '@vigil/common';
import { Logger } from 'nestjs-pino';
import { createWorker } from './bootstrap';

async function main(): Promise<void> {
  const app = await createWorker();
  const env = app.get<Env>(ENV);
  await app.listen(env.WORKER_PORT, env.API_HOST);
  app.get(Logger).log({ probes: await app.getUrl() }, 'vigil worker consuming');
}

main().catch((error: Error) => {
  console.error(`vigil worker failed to start: ${error.message}`);
  process.exit(1);
});
