import { Command } from 'commander';
import { ensureDatabase, migrate } from '@vigil/database';
import { CliContext } from '../cli-context';
import { safeHost } from '../database-errors';

export function registerDatabaseCommands(program: Command, context: () => CliContext): void {
  program
    .command('db:migrate')
    .description('create the database if it is missing and apply pending migrations')
    .action(async () => {
      const { env } = context();
      if (await ensureDatabase(env.DATABASE_URL)) console.log(`created database ${safeHost(env.DATABASE_URL)}`);
      const applied = await migrate(env);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
    });
}
