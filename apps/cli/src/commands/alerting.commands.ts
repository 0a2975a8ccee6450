import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { isDeepStrictEqual } from 'node:util';
import { Command, InvalidArgumentError, Option } from 'commander';
import { AlertRule, RuleInput, RulesService, TickResult, validateRule } from '@vigil/alerting';
import { ConflictError, Env, JobName, NotFoundError, ValidationError } from '@vigil/common';
import { CliContext } from '../cli-context';
import { fail, printTable } from '../output';
import { runInWorker } from '../worker-job';
import { readYamlList } from '../yaml-list';

/** Alerts, a one-off evaluation through the worker, and rules kept as code in a YAML file. */
export function registerAlertingCommands(program: Command, context: () => CliContext): void {
  program
    .command('alerts')
    .description('alerts, most recently seen first')
    .addOption(new Option('--state <state>', 'which alerts').choices(['active', 'pending', 'firing', 'acknowledged', 'resolved']).default('active'))
    .addOption(new Option('--severity <severity>', 'only this severity').choices(['warning', 'critical']))
    .option('--service <name>', 'only alerts of this service')
    .option('--json', 'print JSON')
    .action(async (options: { state: string; severity?: string; service?: string; json?: boolean }) => {
      const filter = { state: options.state, severity: options.severity, service: options.service, limit: ALERTS_SHOWN, offset: 0 };
      const { total, items } = await (await context().alerts()).list(filter);
      if (options.json) return console.log(JSON.stringify(items, null, 2));
      printTable(items.map(alertRow));
      if (total > items.length) console.log(`(${total - items.length} older alert(s) not shown; narrow with --state, --severity or --service)`);
    });

  program
    .command('alerts:ack')
    .description('acknowledge a firing alert: someone is on it, so escalation stops')
    .argument('<id>', 'alert id', uuid)
    .option('--by <name>', 'who acknowledges (default: the local user)', text('--by', 100))
    .option('--comment <text>', 'a note kept in the alert history', text('--comment', 2000))
    .action(async (id: string, options: { by?: string; comment?: string }) => {
      const alerts = await context().alerts();
      try {
        const alert = await alerts.acknowledge(id, options.by ?? localUser(), options.comment);
        console.log(`acknowledged ${alert.id} (by ${alert.acknowledgedBy}): ${alert.summary}`);
      } catch (error) {
        // Not a configuration problem (exit 2): the alert is gone or in another state.
        if (error instanceof ConflictError || error instanceof NotFoundError) fail(error.message, 1);
        throw error;
      }
    });

  program
    .command('check-thresholds')
    .description('evaluate the threshold rules once, now, through the worker (the path of the per-minute evaluation), and print what changed')
    .option('--timeout <s>', 'seconds to wait for a worker to finish the evaluation', parseTimeout, 30)
    .option('--json', 'print JSON')
    .action(async (options: { timeout: number; json?: boolean }) => {
      const result = await evaluateNow(context().env, options.timeout);
      if (options.json) console.log(JSON.stringify(result, null, 2));
      else printTickResult(result);
    });

  program
    .command('rules:apply')
    .description('rules as code: create or update, by name, the rules of a YAML file (`rules:` list); other rules are left alone')
    .argument('<file>', 'YAML file with a top-level `rules:` list, each rule as the API takes it')
    .option('--dry-run', 'print what would change, change nothing')
    .action(async (file: string, options: { dryRun?: boolean }) => {
      const wanted = await readRuleFile(file);
      const db = await context().database();
      const plan = await db.transaction(async (tx) => {
        const rules = await context().rules(tx);
        const plan = planRules(wanted, await rules.list());
        if (!options.dryRun) await applyPlan(rules, plan);
        return plan;
      });
      printPlan(plan, options.dryRun ?? false);
    });
}

// ---- alerts

const ALERTS_SHOWN = 500;

interface AlertListItem {
  id: string;
  state: string;
  severity: string;
  summary: string;
  occurrences: number;
  startedAt: Date;
  lastSeenAt: Date;
}

const alertRow = (a: AlertListItem) => ({
  id: a.id,
  state: a.state,
  severity: a.severity,
  summary: a.summary.slice(0, 80),
  occurrences: a.occurrences,
  started: a.startedAt.toISOString(),
  'last seen': a.lastSeenAt.toISOString(),
});

/** Who acknowledges by default: vigil has no logins, so the local user is the best name at hand. */
function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'cli';
  }
}

function uuid(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw new InvalidArgumentError('must be a UUID');
  return value;
}

function text(name: string, max: number) {
  return (value: string): string => {
    if (!value.length || value.length > max) throw new InvalidArgumentError(`${name} must be 1 to ${max} characters`);
    return value;
  };
}

// ---- check-thresholds

function parseTimeout(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new InvalidArgumentError('--timeout must be a number of seconds from 1 to 3600');
  return n;
}

/**
 * Enqueues an evaluation, as the per-minute cron does, and waits for a worker
 * to return its result. The tick is this instant, not the minute: a tick is
 * evaluated once, and the cron claims each minute at its fifth second, so a
 * minute tick would nearly always come back "already evaluated". The random
 * suffix keeps BullMQ from deduplicating the job against another.
 */
function evaluateNow(env: Env, timeoutSeconds: number): Promise<TickResult> {
  const tick = new Date().toISOString();
  const jobId = `eval-thresholds-${tick.slice(0, 16).replace(':', '-')}-cli-${randomBytes(4).toString('hex')}`;
  return runInWorker(env, JobName.EvaluateRules, { tick }, jobId, timeoutSeconds, 'the evaluation');
}

function printTickResult(result: TickResult): void {
  const skipped = result.skipped ? `, ${result.skipped} skipped (already evaluated)` : '';
  console.log(`tick ${result.tick}: ${result.evaluated} evaluated${skipped}`);
  if (!result.evaluated) {
    console.log(
      result.skipped
        ? 'nothing was evaluated: a worker had already evaluated this tick or a newer one; its changes are in `vigil alerts`'
        : 'nothing to evaluate: no enabled rule watches anything',
    );
    return;
  }
  if (!result.changes.length) return console.log('no changes');
  printTable(result.changes.map((c) => ({ rule: c.rule, identity: c.identity, transition: c.transition, severity: c.severity, value: round(c.value) })));
}

const round = (value: number | null) => (value === null ? null : Math.round(value * 1000) / 1000);

// ---- rules:apply

/** What a rule is when a file leaves a field out: the alert_rules column defaults. */
const RULE_DEFAULTS: Required<Omit<RuleInput, 'name' | 'kind'>> = {
  enabled: true,
  projectId: null,
  service: null,
  route: null,
  groupByEndpoint: false,
  metric: null,
  windowSeconds: 300,
  direction: 'above',
  warning: null,
  critical: null,
  recovery: null,
  forEvaluations: 1,
  keepFiringForSeconds: 0,
  minSamples: 0,
  noData: 'keep',
  params: {},
  labels: {},
};

interface RulePlan {
  create: RuleInput[];
  update: Array<{ current: AlertRule; changes: Partial<RuleInput> }>;
  unchanged: string[];
}

/** The file's rules, all valid and uniquely named; otherwise every problem is reported and nothing is applied. */
async function readRuleFile(file: string): Promise<RuleInput[]> {
  const { list, refuse } = await readYamlList(file, 'rules');

  const problems = problemsOf(list);
  if (problems.length) return refuse(`${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  return list as RuleInput[];
}

/** Every invalid field and every reused name, each named by the rule's index and name. */
function problemsOf(list: unknown[]): string[] {
  const problems: string[] = [];
  const firstIndexOf = new Map<string, number>();
  list.forEach((body, index) => {
    const name = (body as { name?: unknown } | null)?.name;
    const where = typeof name === 'string' ? `rules[${index}] "${name}"` : `rules[${index}]`;
    try {
      validateRule(body);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      // ajv calls the validated value "body"; here it is the rule.
      for (const issue of error.details ?? []) problems.push(`${where}: ${issue.path === 'body' ? 'rule' : issue.path} ${issue.message}`);
    }
    if (typeof name !== 'string') return;
    const first = firstIndexOf.get(name);
    if (first === undefined) firstIndexOf.set(name, index);
    else problems.push(`${where}: name is already used by rules[${first}]`);
  });
  return problems;
}

function planRules(wanted: RuleInput[], existing: AlertRule[]): RulePlan {
  const byName = new Map(existing.map((rule) => [rule.name, rule]));
  const plan: RulePlan = { create: [], update: [], unchanged: [] };
  for (const rule of wanted) {
    const current = byName.get(rule.name);
    if (!current) {
      plan.create.push(rule);
      continue;
    }
    const changes = changedFields(current, rule);
    if (Object.keys(changes).length) plan.update.push({ current, changes });
    else plan.unchanged.push(rule.name);
  }
  return plan;
}

/** The file is the whole truth about its rules: a field it leaves out goes back to its default. */
function changedFields(current: AlertRule, rule: RuleInput): Partial<RuleInput> {
  const wanted: Record<string, unknown> = { ...RULE_DEFAULTS, ...rule };
  return Object.fromEntries(Object.entries(wanted).filter(([field, value]) => !isDeepStrictEqual(current[field as keyof AlertRule], value)));
}

async function applyPlan(rules: RulesService, plan: RulePlan): Promise<void> {
  for (const rule of plan.create) await rules.create(rule);
  for (const { current, changes } of plan.update) await rules.update(current.id, changes);
}

function printPlan(plan: RulePlan, dryRun: boolean): void {
  const names = (list: string[]) => (list.length ? `: ${list.join(', ')}` : '');
  const updated = plan.update.map(({ current, changes }) => `${current.name} (${Object.keys(changes).join(', ')})`);
  console.log(`${dryRun ? 'would create' : 'created'} ${plan.create.length}${names(plan.create.map((rule) => rule.name))}`);
  console.log(`${dryRun ? 'would update' : 'updated'} ${plan.update.length}${names(updated)}`);
  console.log(`unchanged ${plan.unchanged.length}${names(plan.unchanged)}`);
  if (dryRun) console.log('dry run: nothing was changed');
}
