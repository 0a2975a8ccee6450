import { Command, InvalidArgumentError, Option } from 'commander';
import { EndpointStats, RequestStats, TimeWindow } from '@vigil/monitoring';
import { CliContext } from '../cli-context';
import { Format, heading, printTable, Row, table } from '../output';

const HOUR_MS = 3_600_000;

function positive(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new InvalidArgumentError(`${name} must be a number from 1 to ${max}`);
    return n;
  };
}

const hoursOption = () => new Option('--hours <n>', 'window, in hours back from now').default(24).argParser(positive('--hours', 24 * 400));
const lastHours = (hours: number, now = Date.now()): TimeWindow => ({ from: now - hours * HOUR_MS, to: now });

const statsRow = (s: RequestStats): Row => ({
  requests: s.requests,
  'req/s': s.throughputPerSec,
  'err%': pct(s.errorRate),
  avg: s.avgMs,
  p50: s.p50Ms,
  p95: s.p95Ms,
  p99: s.p99Ms,
});
const endpointRow = (e: EndpointStats): Row => ({ service: e.service, endpoint: `${e.method} ${e.route}`, ...statsRow(e) });
const pct = (rate: number) => Math.round(rate * 10000) / 100;

/** Reports over the rollups, the same numbers the API serves. */
export function registerReportCommands(program: Command, context: () => CliContext): void {
  program
    .command('report')
    .description('requests, error rate and latency per service, the worst endpoints, slow queries and errors')
    .addOption(hoursOption())
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']).default('text'))
    .action(async (options: { hours: number; format: Format }) => {
      const metrics = await context().metrics();
      const window = lastHours(options.hours);
      const [summary, endpoints, queries, errors] = await Promise.all([
        metrics.summary(window, {}),
        metrics.endpoints(window, {}, { sort: 'p95', order: 'desc', limit: 10, offset: 0 }),
        metrics.slowQueries(window, {}, 10),
        metrics.errorGroups(window, {}, 10),
      ]);
      if (options.format === 'json') {
        console.log(JSON.stringify({ summary, worstEndpoints: endpoints.items, slowQueries: queries.items, errors: errors.items }, null, 2));
        return;
      }
      const f = options.format;
      console.log(f === 'markdown' ? `# vigil report: last ${options.hours} h` : `vigil report: last ${options.hours} h (${summary.window.from} to ${summary.window.to})`);
      console.log(heading('Services', f));
      console.log(table([{ service: 'ALL', ...statsRow(summary.overall) }, ...summary.services.map((s) => ({ service: s.service, ...statsRow(s) }))], f));
      console.log(heading('Slowest endpoints (p95)', f));
      console.log(table(endpoints.items.map(endpointRow), f));
      console.log(heading('Slow queries', f));
      console.log(table(queries.items.map((q) => ({ count: q.count, mean: q.meanMs, p95: q.p95Ms, max: q.maxMs, query: q.query.slice(0, 80) })), f));
      console.log(heading('Errors', f));
      console.log(table(errors.items.map((e) => ({ severity: e.severity, count: e.count, service: e.service, type: e.type, message: e.lastMessage.slice(0, 60) })), f));
    });

  program
    .command('slow-requests')
    .description('the slowest requests, with their request ids')
    .addOption(new Option('--threshold <ms>', 'minimum duration in ms').default(2000).argParser(positive('--threshold', 86_400_000)))
    .addOption(hoursOption())
    .option('--limit <n>', 'rows', positive('--limit', 1000), 50)
    .option('--service <name>', 'one service only')
    .option('--json', 'print JSON')
    .action(async (options: { threshold: number; hours: number; limit: number; service?: string; json?: boolean }) => {
      const result = await (await context().metrics()).slowRequests(lastHours(options.hours), { service: options.service }, options.threshold, options.limit);
      if (options.json) return console.log(JSON.stringify(result.items, null, 2));
      printTable(result.items.map((r) => ({ time: r.timestamp, service: r.service as string, endpoint: `${r.method} ${r.route}`, status: r.status as number, ms: r.durationMs as number, request: r.requestId as string })));
    });

  program
    .command('slow-queries')
    .description('slow queries grouped by fingerprint')
    .addOption(hoursOption())
    .option('--limit <n>', 'rows', positive('--limit', 1000), 20)
    .option('--json', 'print JSON')
    .action(async (options: { hours: number; limit: number; json?: boolean }) => {
      const result = await (await context().metrics()).slowQueries(lastHours(options.hours), {}, options.limit);
      if (options.json) return console.log(JSON.stringify(result.items, null, 2));
      printTable(result.items.map((q) => ({ fingerprint: q.fingerprint, count: q.count, mean: q.meanMs, p95: q.p95Ms, max: q.maxMs, services: q.services.join(','), query: q.query.slice(0, 80) })));
    });

  program
    .command('errors')
    .description('error groups')
    .addOption(hoursOption())
    .option('--limit <n>', 'rows', positive('--limit', 1000), 20)
    .option('--json', 'print JSON')
    .action(async (options: { hours: number; limit: number; json?: boolean }) => {
      const result = await (await context().metrics()).errorGroups(lastHours(options.hours), {}, options.limit);
      if (options.json) return console.log(JSON.stringify(result.items, null, 2));
      printTable(result.items.map((e) => ({ fingerprint: e.fingerprint, severity: e.severity, count: e.count, service: e.service, type: e.type, last: e.lastSeen, message: e.lastMessage.slice(0, 60) })));
    });

  program
    .command('analyze')
    .description("one service: its endpoints, the worst of them, its slow queries, and the change against the previous equal window")
    .requiredOption('--service <name>', 'service to analyze')
    .addOption(hoursOption())
    .option('--json', 'print JSON')
    .action(async (options: { service: string; hours: number; json?: boolean }) => {
      const metrics = await context().metrics();
      const now = Date.now();
      const current = lastHours(options.hours, now);
      const previous = lastHours(options.hours, now - options.hours * HOUR_MS);
      const page = { sort: 'p95' as const, order: 'desc' as const, limit: 1000, offset: 0 };
      const scope = { service: options.service };
      const [endpoints, before, queries] = await Promise.all([
        metrics.endpoints(current, scope, page),
        metrics.endpoints(previous, scope, page),
        metrics.slowQueries(current, scope, 10),
      ]);
      const earlier = new Map(before.items.map((e) => [`${e.method} ${e.route}`, e]));
      const change = (now: number | null, then: number | null | undefined) =>
        now === null || then === null || then === undefined || then === 0 ? null : Math.round(((now - then) / then) * 1000) / 10;
      const breakdown = endpoints.items.map((e) => {
        const prior = earlier.get(`${e.method} ${e.route}`);
        return { ...e, previous: prior ?? null, p95ChangePct: change(e.p95Ms, prior?.p95Ms), requestsChangePct: change(e.requests, prior?.requests) };
      });
      if (options.json) return console.log(JSON.stringify({ service: options.service, window: endpoints.window, endpoints: breakdown, slowQueries: queries.items }, null, 2));
      console.log(`${options.service}: last ${options.hours} h against the ${options.hours} h before`);
      if (!breakdown.length) return console.log('(no requests in this window)');
      console.log(heading('Endpoints, worst p95 first', 'text'));
      printTable(breakdown.map((e) => ({ ...endpointRow(e), 'p95 Δ%': e.p95ChangePct, 'req Δ%': e.requestsChangePct })));
      console.log(heading('Slow queries', 'text'));
      printTable(queries.items.map((q) => ({ count: q.count, mean: q.meanMs, p95: q.p95Ms, max: q.maxMs, query: q.query.slice(0, 80) })));
    });

  program
    .command('cleanup')
    .description('retention now: drop raw day partitions older than --days, old rollups and ledger rows; create partitions ahead')
    .addOption(new Option('--days <n>', 'keep raw events this many days').argParser(positive('--days', 3650)))
    .action(async (options: { days?: number }) => {
      const { env } = context();
      const rawDays = options.days ?? env.METRICS_RETENTION_DAYS;
      if (rawDays < 8) program.error('error: --days must be at least 8: events up to 7 days old are still accepted', { exitCode: 2 });
      const result = await (await context().retention()).cleanup({
        rawDays,
        rollupDays: Math.max(rawDays, env.ROLLUP_RETENTION_DAYS),
        partitionDaysAhead: env.PARTITION_DAYS_AHEAD,
      });
      console.log(`dropped ${result.droppedPartitions.length} partition(s)${result.droppedPartitions.length ? `: ${result.droppedPartitions.join(', ')}` : ''}`);
      console.log(`deleted ${result.deletedRollups} rollup row(s) and ${result.deletedLedgerRows} ledger row(s); created ${result.createdPartitions.length} partition(s)`);
    });
}
