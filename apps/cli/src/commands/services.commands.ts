import { Command } from 'commander';
import { ValidationError } from '@vigil/common';
import { ServiceTargetsService, TargetInput, validateTarget } from '@vigil/monitoring';
import { CliContext } from '../cli-context';
import { printTable } from '../output';
import { readYamlList } from '../yaml-list';

/** Service and uptime check targets: their status, and targets kept as code in a YAML file. */
export function registerServicesCommands(program: Command, context: () => CliContext): void {
  const targets = async () => new ServiceTargetsService(await context().database());

  program
    .command('services')
    .description('service and uptime check targets with their current status and uptime over 24 h, 7 d and 30 d')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const services = await (await targets()).list();
      if (options.json) return console.log(JSON.stringify(services, null, 2));
      const pct = (v: number | null) => (v === null ? null : `${v}%`);
      printTable(
        services.map((s) => ({
          name: s.name,
          kind: s.kind,
          status: s.enabled ? s.status : 'disabled',
          'last check': s.lastCheckedAt,
          'response ms': s.lastResponseMs,
          '24h': pct(s.uptime['24h']),
          '7d': pct(s.uptime['7d']),
          '30d': pct(s.uptime['30d']),
          error: s.lastError?.slice(0, 60),
        })),
      );
    });

  program
    .command('services:apply')
    .description('targets as code: create or update, by name, the targets of a YAML file (`services:` list); other targets are left alone')
    .argument('<file>', 'YAML file with a top-level `services:` list, each target as the API takes it')
    .action(async (file: string) => {
      const wanted = await readServicesFile(file);
      const result = await (await targets()).apply(wanted);
      console.log(`created ${result.created.length} (${result.created.join(', ') || '-'}), updated ${result.updated.length} (${result.updated.join(', ') || '-'})`);
    });
}

/** Every target checked before anything is written: one bad entry changes nothing. */
async function readServicesFile(file: string): Promise<TargetInput[]> {
  const { list, refuse } = await readYamlList(file, 'services');
  const problems: string[] = [];
  const targets = list.flatMap((entry, i) => {
    try {
      return [validateTarget(entry)];
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...(error.details ?? []).map((d) => `services[${i}].${d.path} ${d.message}`));
      return [];
    }
  });
  const names = targets.map((t) => t.name);
  names.forEach((name, i) => names.indexOf(name) !== i && problems.push(`services[${i}].name ${name} appears twice`));
  if (problems.length) return refuse(problems.join('; '));
  return targets;
}
