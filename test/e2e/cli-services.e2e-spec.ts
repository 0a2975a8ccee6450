import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runCli } from '../helpers/apps';
import { testPool } from '../helpers/db';
import { testEnv } from '../helpers/env';

const RUN = randomBytes(4).toString('hex');
const EXAMPLE = join(__dirname, '..', '..', 'examples', 'services.yaml');

describe('vigil CLI: services', () => {
  const env = testEnv();
  const pool = testPool();
  let dir: string;

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vigil-services-'))));
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await pool.end();
  });

  const file = (content: unknown) => {
    const path = join(dir, `services-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(path, typeof content === 'string' ? content : stringify(content));
    return path;
  };
  // The example's targets, renamed for this run and disabled so that no test worker checks example.com.
  const example = () =>
    (parse(readFileSync(EXAMPLE, 'utf8')) as { services: Array<Record<string, unknown>> }).services.map((s) => ({ ...s, name: `${s.name}-${RUN}`, enabled: false }));

  it('applies the example file, then only what changed, and lists the targets with status and uptime', async () => {
    const first = await runCli(env, ['services:apply', file({ services: example() })]);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toContain('created 4');

    const changed = example().map((s, i) => (i === 0 ? { ...s, intervalSeconds: 120 } : s));
    const second = await runCli(env, ['services:apply', file({ services: changed })]);
    expect(second.stdout).toContain(`created 0 (-), updated 1 (shop-web-${RUN})`);
    const { rows } = await pool.query('SELECT interval_seconds FROM service_targets WHERE name = $1', [`shop-web-${RUN}`]);
    expect(rows).toEqual([{ interval_seconds: 120 }]);

    const list = await runCli(env, ['services']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+KIND\s+STATUS\s+LAST CHECK\s+RESPONSE MS\s+24H\s+7D\s+30D\s+ERROR/m);
    expect(list.stdout).toMatch(new RegExp(`^shop-web-${RUN}\\s+http\\s+disabled`, 'm'));
    expect(list.stdout).toMatch(/^vigil-database\s+postgres/m);

    const json = JSON.parse((await runCli(env, ['services', '--json'])).stdout);
    expect(json.find((s: { name: string }) => s.name === `reports-db-${RUN}`)).toMatchObject({ kind: 'postgres', uptime: { '24h': null } });
  });

  it('refuses a file with a bad entry, naming it, and changes nothing', async () => {
    const bad = [{ name: `ok-${RUN}`, kind: 'tcp', address: 'h:1' }, { name: `bad-${RUN}`, kind: 'http' }];
    const result = await runCli(env, ['services:apply', file({ services: bad })]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('services[1].address is required for an http target');
    expect(result.stderr).toContain('nothing was changed');
    const { rows } = await pool.query('SELECT 1 FROM service_targets WHERE name = $1', [`ok-${RUN}`]);
    expect(rows).toEqual([]);
  });
});
