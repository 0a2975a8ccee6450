import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { redisOptions } from '@vigil/common';
import { parse, stringify } from 'yaml';
import { createProjectKey, dropRedisPrefix, ingest, requestEvents, runCli, useStack } from '../helpers/apps';
import { eventually, testPool } from '../helpers/db';
import { testEnv } from '../helpers/env';

// Other test files share the database: every name made here ends with this run's suffix.
const RUN = randomBytes(4).toString('hex');
const EXAMPLE = join(__dirname, '..', '..', 'examples', 'rules.yaml');

type Rule = Record<string, unknown> & { name: string };

let dir: string;
let files = 0;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-rules-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a rule file; the CLI runs in another directory, so the path is absolute. */
function ruleFile(content: unknown): string {
  const path = join(dir, `rules-${++files}.yaml`);
  writeFileSync(path, typeof content === 'string' ? content : stringify(content));
  return path;
}

/**
 * The example rules, their names tagged. Disabled: the workers of parallel test
 * files evaluate every enabled rule, and these would fire there.
 */
function exampleRules(tag: string): Rule[] {
  const { rules } = parse(readFileSync(EXAMPLE, 'utf8')) as { rules: Rule[] };
  return rules.map((rule) => ({ ...rule, name: `${rule.name} ${tag}`, enabled: false }));
}

describe('vigil CLI: rules as code', () => {
  const env = testEnv();
  const pool = testPool();
  const tag = `apply-${RUN}`;
  const names = exampleRules(tag).map((rule) => rule.name);
  /** This describe's rules, in file order. */
  const stored = async () =>
    (
      await pool.query(
        `SELECT name, warning, recovery, group_by_endpoint, direction, labels FROM alert_rules WHERE name LIKE $1
         ORDER BY array_position($2::text[], name) NULLS LAST, name`,
        [`% ${tag}`, names],
      )
    ).rows;

  afterAll(async () => {
    await pool.query(`DELETE FROM alert_rules WHERE name LIKE $1`, [`% ${tag}`]);
    await pool.end();
  });

  it('creates the rules of examples/rules.yaml, then finds them unchanged', async () => {
    const file = ruleFile({ rules: exampleRules(tag) });
    const first = await runCli(env, ['rules:apply', file]);
    expect(first).toMatchObject({ code: 0, stdout: `created 3: ${names.join(', ')}\nupdated 0\nunchanged 0\n` });
    expect(await stored()).toEqual([
      expect.objectContaining({ name: names[0], group_by_endpoint: true, warning: 800, labels: { team: 'payments' } }),
      expect.objectContaining({ name: names[1], warning: 0.02 }),
      expect.objectContaining({ name: names[2], direction: 'below', recovery: 8 }),
    ]);

    const again = await runCli(env, ['rules:apply', file]);
    expect(again).toMatchObject({ code: 0, stdout: `created 0\nupdated 0\nunchanged 3: ${names.join(', ')}\n` });
  });

  it('updates changed rules, a field left out going back to its default; --dry-run changes nothing', async () => {
    const rules = exampleRules(tag);
    rules[1].warning = 0.03;
    delete rules[2].recovery;
    const file = ruleFile({ rules });

    const dry = await runCli(env, ['rules:apply', file, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`would update 2: ${names[1]} (warning), ${names[2]} (recovery)\n`);
    expect(dry.stdout).toContain('dry run: nothing was changed');
    expect((await stored())[1].warning).toBe(0.02);

    const applied = await runCli(env, ['rules:apply', file]);
    expect(applied).toMatchObject({ code: 0, stdout: `created 0\nupdated 2: ${names[1]} (warning), ${names[2]} (recovery)\nunchanged 1: ${names[0]}\n` });
    const [, errorRate, floor] = await stored();
    expect(errorRate.warning).toBe(0.03);
    expect(floor.recovery).toBeNull();
  });

  it('refuses a file with invalid rules, naming each rule and field, and changes nothing', async () => {
    const [p95] = exampleRules(tag);
    const rules = [
      { name: `new rule ${tag}`, kind: 'threshold', metric: 'p99', warning: 1000, enabled: false },
      { ...p95, critical: 100 },
      { name: `bad metric ${tag}`, kind: 'threshold', metric: 'p42', warning: 1 },
      { ...p95, warning: 700 },
    ];
    const refused = await runCli(env, ['rules:apply', ruleFile({ rules })]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('3 problem(s)');
    expect(refused.stderr).toContain(`rules[1] "${names[0]}": critical must be greater than warning for direction above`);
    expect(refused.stderr).toContain(`rules[2] "bad metric ${tag}": metric must be one of p50,`);
    expect(refused.stderr).toContain(`rules[3] "${names[0]}": name is already used by rules[1]`);
    expect(refused.stderr).toContain('nothing was changed');
    expect((await stored()).map((rule: { name: string }) => rule.name)).toEqual(names);
    expect((await stored())[0].warning).toBe(800);

    const notRules = await runCli(env, ['rules:apply', ruleFile('rulez: []\n')]);
    expect(notRules.code).toBe(2);
    expect(notRules.stderr).toContain('expected a top-level `rules:` list');
    const notYaml = await runCli(env, ['rules:apply', ruleFile('rules: [\n')]);
    expect(notYaml.code).toBe(2);
    expect(notYaml.stderr).toMatch(/line \d+/);
  });
});

describe('vigil CLI: check-thresholds and alerts', () => {
  const env = testEnv();
  const service = `cli-alerts-${RUN}`;
  const ruleName = `cli p95 ${RUN}`;
  let projectId: string;
  let key: string;
  // Declared before useStack's own teardown, so that it runs while the pool is open.
  afterAll(() => stack.pool.query(`DELETE FROM alert_rules WHERE name = $1`, [ruleName]));
  const stack = useStack(env);

  beforeAll(async () => {
    ({ projectId, key } = await createProjectKey(stack.api.url));
  });

  const json = async (args: string[]) => {
    const result = await runCli(env, args);
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout);
  };

  it('check-thresholds evaluates through the worker and prints the alert that fired', async () => {
    // At the start of this minute: the rule's one-minute window (the minute before the tick and the
    // tick's own minute) still holds it if the clock passes into the next minute before check-thresholds runs.
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const slow = requestEvents(50, service, { timestamp: minute, durationMs: 3000, status: 200 });
    expect((await ingest(stack.api.url, 'requests', key, { events: slow })).status).toBe(202);
    await eventually(async () => (await stack.pool.query('SELECT 1 FROM ingest_batches WHERE project_id = $1', [projectId])).rows.length > 0, 'batch written');
    // A one-minute window per endpoint, created just before the evaluation: test workers run no crons,
    // so only check-thresholds evaluates it while it exists.
    const rule = {
      name: ruleName, kind: 'threshold', projectId, service, groupByEndpoint: true, metric: 'p95',
      windowSeconds: 60, warning: 2000, critical: 5000, recovery: 1500, minSamples: 10,
    };
    expect((await runCli(env, ['rules:apply', ruleFile({ rules: [rule] })])).code).toBe(0);

    const asked = Date.now();
    const result = await json(['check-thresholds', '--json']);
    expect(Date.parse(result.tick)).toBeGreaterThanOrEqual(asked);
    const [change] = result.changes.filter((c: { rule: string }) => c.rule === ruleName);
    expect(change).toMatchObject({ transition: 'fired', severity: 'warning', identity: `method=GET,project=${projectId},route=/orders/:id,service=${service}` });
    expect(change.value).toBeGreaterThan(2900);

    // Evaluated again, still firing: not a change.
    const again = await runCli(env, ['check-thresholds']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^tick \S+: [1-9]\d* evaluated/);
    expect(again.stdout).not.toContain(ruleName);
  }, 90_000);

  it('alerts lists the alert; alerts:ack acknowledges it once', async () => {
    const [alert] = await json(['alerts', '--service', service, '--json']);
    expect(alert).toMatchObject({ state: 'firing', severity: 'warning', labels: { service, project: projectId } });
    expect(alert.summary).toContain(ruleName);
    const table = await runCli(env, ['alerts', '--service', service, '--state', 'firing', '--severity', 'warning']);
    expect(table.stdout).toMatch(new RegExp(`^${alert.id}\\s+firing\\s+warning\\s+${ruleName}`, 'm'));

    const acked = await runCli(env, ['alerts:ack', alert.id, '--by', 'ann', '--comment', 'looking']);
    expect(acked).toMatchObject({ code: 0, stdout: expect.stringContaining(`acknowledged ${alert.id} (by ann)`) });
    const [stored] = await json(['alerts', '--service', service, '--state', 'acknowledged', '--json']);
    expect(stored).toMatchObject({ id: alert.id, acknowledgedBy: 'ann', ackComment: 'looking' });

    const twice = await runCli(env, ['alerts:ack', alert.id]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('only a firing alert can be acknowledged; this one is acknowledged');
    const unknown = await runCli(env, ['alerts:ack', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('alert 00000000-0000-4000-8000-000000000000 not found');
    const notAnId = await runCli(env, ['alerts:ack', 'latest']);
    expect(notAnId.code).not.toBe(0);
    expect(notAnId.stderr).toContain('must be a UUID');
  });
});

describe('vigil CLI: check-thresholds without a worker', () => {
  const env = testEnv();
  afterAll(() => dropRedisPrefix(env));

  it('gives up after --timeout, says why, and withdraws the job', async () => {
    const result = await runCli(env, ['check-thresholds', '--timeout', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no worker picked up the evaluation within 1 s; is the worker running?');
    const queue = new Queue('alerting', { connection: redisOptions(env), prefix: env.REDIS_KEY_PREFIX });
    try {
      expect(await queue.getWaitingCount()).toBe(0);
    } finally {
      await queue.close();
    }
  });
});
