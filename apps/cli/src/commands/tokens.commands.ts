import { Command } from 'commander';
import { ROLES } from '@vigil/monitoring';
import { CliContext } from '../cli-context';
import { printTable } from '../output';

export function registerTokenCommands(program: Command, context: () => CliContext): void {
  program
    .command('tokens:create')
    .description('create a management API token; it is printed once, on the last line')
    .requiredOption('--name <name>', 'who or what uses the token')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .action(async (options: { name: string; role: string }) => {
      const { token, adminToken } = await (await context().adminTokens()).create(options.name, options.role);
      console.log(`token ${adminToken.name} (${adminToken.id}), role ${adminToken.role}, prefix ${adminToken.prefix}; store it now, it is not shown again:`);
      console.log(token);
    });

  program
    .command('tokens:list')
    .description('list management tokens (prefixes only)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const rows = (await (await context().adminTokens()).list()).map((t) => ({
        id: t.id,
        name: t.name,
        role: t.role,
        prefix: t.prefix,
        created: t.createdAt.toISOString(),
        revoked: t.revokedAt?.toISOString() ?? '',
      }));
      if (options.json) console.log(JSON.stringify(rows, null, 2));
      else printTable(rows);
    });

  program
    .command('tokens:revoke <id>')
    .description('revoke a management token by id')
    .action(async (id: string) => {
      await (await context().adminTokens()).revoke(id);
      console.log(`revoked ${id}`);
    });
}
