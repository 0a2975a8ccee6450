import { Command } from 'commander';
import { CliContext } from '../cli-context';
import { printTable } from '../output';

export function registerKeyCommands(program: Command, context: () => CliContext): void {
  program
    .command('keys:create')
    .description('create an ingest API key (and its project if needed); the key is printed once, on the last line')
    .requiredOption('--name <name>', 'a name for the key')
    .option('--project <project>', 'project name (default: the key name)')
    .action(async (options: { name: string; project?: string }) => {
      const keys = await context().apiKeys();
      const project = await keys.findOrCreateProject(options.project ?? options.name);
      const { key, apiKey } = await keys.createKey(project.id, options.name);
      console.log(`project ${project.name} (${project.id})`);
      console.log(`key ${apiKey.name} (${apiKey.id}), prefix ${apiKey.prefix}; store it now, it is not shown again:`);
      console.log(key);
    });

  program
    .command('keys:list')
    .description('list projects and their keys (prefixes only)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const keys = await context().apiKeys();
      const rows = [];
      for (const project of await keys.listProjects()) {
        for (const key of await keys.listKeys(project.id)) {
          rows.push({
            project: project.name,
            id: key.id,
            name: key.name,
            prefix: key.prefix,
            created: key.createdAt.toISOString(),
            revoked: key.revokedAt?.toISOString() ?? '',
          });
        }
      }
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else printTable(rows);
    });

  program
    .command('keys:revoke <id>')
    .description('revoke a key by id')
    .action(async (id: string) => {
      await (await context().apiKeys()).revokeKey(id);
      console.log(`revoked ${id}`);
    });
}
