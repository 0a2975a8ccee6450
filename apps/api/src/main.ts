import { ENV, Env } from '@vigil/common';
import { Logger } from 'nestjs-pino';
import { createApi } from './bootstrap';

async function main(): Promise<void> {
  const app = await createApi();
  const env = app.get<Env>(ENV);
  await app.listen(env.API_PORT, env.API_HOST);
  app.get(Logger).log({ url: await app.getUrl() }, 'vigil API listening');
}

main().catch((error: Error) => {
  console.error(`vigil API failed to start: ${error.message}`);
  process.exit(1);
});
