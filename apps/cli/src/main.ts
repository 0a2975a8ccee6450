import { AppError, InvalidConfigError } from '@vigil/common';
import { Command, CommanderError } from 'commander';
import { CliContext } from './cli-context';
import { registerAlertingCommands } from './commands/alerting.commands';
import { registerDatabaseCommands } from './commands/database.commands';
import { registerKeyCommands } from './commands/keys.commands';
import { registerNotifyCommands } from './commands/notify.commands';
import { registerQueueCommands } from './commands/queue.commands';
import { registerReportCommands } from './commands/report.commands';
import { registerServicesCommands } from './commands/services.commands';
import { registerTokenCommands } from './commands/tokens.commands';
import { explainConnectionError } from './database-errors';

let context: CliContext | undefined;
const getContext = () => (context ??= new CliContext());

const program = new Command('vigil')
  .description('vigil: performance monitoring and alerting')
  .showHelpAfterError()
  .exitOverride();
registerDatabaseCommands(program, getContext);
registerKeyCommands(program, getContext);
registerQueueCommands(program, getContext);
registerReportCommands(program, getContext);
registerAlertingCommands(program, getContext);
registerNotifyCommands(program, getContext);
registerServicesCommands(program, getContext);
registerTokenCommands(program, getContext);

async function main(): Promise<number> {
  try {
    await program.parseAsync(process.argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof InvalidConfigError || error instanceof AppError) {
      console.error(`vigil: ${error.message}`);
      return 2;
    }
    const explained = context ? explainConnectionError(error, context.env) : undefined;
    console.error(`vigil: ${explained ?? (error as Error).message}`);
    return 1;
  } finally {
    await context?.close().catch(() => undefined);
  }
}

void main().then((code) => process.exit(code));
