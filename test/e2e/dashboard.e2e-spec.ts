import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { JobName, JobsService } from '@vigil/common';
import { createProjectKey, ingest, useStack } from '../helpers/apps';
import { countRows, eventually } from '../helpers/db';
import { ADMIN_TOKEN, testEnv } from '../helpers/env';

const CHROMIUM = '/usr/bin/chromium';
// The README's screenshot is refreshed on request; ordinary runs keep theirs out of git.
const SCREENSHOT = process.env.UPDATE_SCREENSHOT
  ? join(__dirname, '..', '..', 'docs', 'dashboard.png')
  : join(__dirname, '..', 'artifacts', 'dashboard.png');
const MINUTE = 60_000;

/** The page as a person uses it: headless Debian Chromium driven by Playwright over seeded data. */
describe('dashboard page', () => {
  // Before the stack's own afterAll (Jest runs them in order): the API's close waits for the page's connections.
  afterAll(async () => {
    await browser?.close();
  });
  const stack = useStack(testEnv());
  let projectId: string;
  let alertId: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const dashboard = async (window: string) => {
    const response = await fetch(`${stack.api.url}/api/v1/dashboard?window=${window}&project=${projectId}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status).toBe(200);
    return response.json();
  };
  const value = async (testId: string) => Number(await page.getAttribute(`[data-testid="${testId}"]`, 'data-value'));
  const text = (selector: string) => page.locator(selector).first().innerText();
  const ready = () => page.waitForSelector('body[data-state="ready"]', { timeout: 15_000 });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`the dashboard test needs Debian's Chromium at ${CHROMIUM}: run \`apt-get install -y chromium\``);
    let key: string;
    ({ projectId, key } = await createProjectKey(stack.api.url));
    const now = Date.now();
    // Over the last 30 minutes, traffic growing: a fast endpoint, and a slow one that slows
    // down further and fails often during a five-minute incident.
    const requests = Array.from({ length: 600 }, (_, i) => {
      const minutesAgo = 29 - Math.floor(30 * Math.sqrt(i / 600));
      const [slow, incident] = [i % 4 === 0, minutesAgo >= 8 && minutesAgo < 13];
      return {
        timestamp: now - minutesAgo * MINUTE - 1000,
        service: slow ? 'billing' : 'shop',
        method: slow ? 'POST' : 'GET',
        route: slow ? '/checkout' : '/orders/:id',
        status: slow && incident && i % 8 === 0 ? 503 : 200,
        durationMs: slow ? (incident ? 1500 : 600) + ((i * 37) % 400) : 12 + ((i * 13) % 90) + (i % 7) / 10,
      };
    });
    const queries = [1, 2, 3, 4].flatMap((id) => [
      { service: 'shop', query: `SELECT * FROM orders WHERE id = ${id}`, durationMs: 300 * id, rows: 1 },
      { service: 'billing', query: `UPDATE invoices SET paid = true WHERE id = ${id}`, durationMs: 150 * id, rows: 1 },
    ]);
    const errors = [
      ...[41, 42, 43].map((id) => ({ service: 'billing', type: 'PaymentError', severity: 'HIGH', message: `card ${id} declined` })),
      { service: 'shop', type: 'TypeError', severity: 'MEDIUM', message: "Cannot read properties of undefined (reading 'total')" },
    ];
    for (const [kind, events] of [['requests', requests], ['queries', queries], ['errors', errors]] as const) {
      expect((await ingest(stack.api.url, kind, key, { events })).status).toBe(202);
    }
    await eventually(async () => (await countRows(stack.pool, 'ingest_batches', projectId)) === 3, 'all batches written');

    // A rule on this project's slow endpoint, evaluated once through the queue: an active alert to show.
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const rule = await (
      await fetch(`${stack.api.url}/api/v1/rules`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: `dashboard-${projectId}`, kind: 'threshold', metric: 'p95', projectId, service: 'billing', windowSeconds: 3600, warning: 500 }),
      })
    ).json();
    // An exact instant, not a minute: other test files evaluate whole-minute ticks of their own.
    const tick = new Date(now).toISOString();
    await stack.worker!.app.get(JobsService).add(JobName.EvaluateRules, { tick }, `eval-dashboard-${projectId}`);
    await eventually(async () => {
      const { rows } = await stack.pool.query(`SELECT id FROM performance_alerts WHERE rule_id = $1 AND state = 'firing'`, [rule.id]);
      alertId = rows[0]?.id;
      return alertId !== undefined;
    }, 'the alert to fire');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // The wrong token below is expected to be answered 401.
      if (message.type() === 'error' && !message.text().includes('status of 401')) problems.push(`console: ${message.text()}`);
    });
  });

  it('serves the page and its allow-listed assets, with their content types', async () => {
    const get = (path: string) => fetch(`${stack.api.url}${path}`);
    const html = await get('/');
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await html.text()).toContain('dashboard/assets/chart.umd.js');
    for (const [file, type] of [['dashboard.js', 'text/javascript'], ['dashboard.css', 'text/css'], ['chart.umd.js', 'text/javascript']]) {
      const response = await get(`/dashboard/assets/${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(`${type}; charset=utf-8`);
    }
    expect(await (await get('/dashboard/assets/chart.umd.js')).text()).toMatch(/Chart\.js v4/);
    for (const path of ['/dashboard/assets/dashboard.html', '/dashboard/assets/package.json', '/dashboard/assets/..%2F..%2Fpackage.json']) {
      expect((await get(path)).status).toBe(404);
    }
  });

  it('asks for the admin token, and asks again when the API rejects it', async () => {
    await page.goto(`${stack.api.url}/?project=${projectId}`);
    await page.waitForSelector('[data-testid="login"]', { state: 'visible', timeout: 10_000 });
    await page.fill('#token', 'not-the-admin-token');
    await page.click('#login button[type="submit"]');
    await page.waitForSelector('[data-testid="login-message"]:has-text("rejected")', { timeout: 10_000 });
    expect(await page.evaluate('localStorage.getItem("vigil.adminToken")')).toBeNull();
  });

  it("shows the API's numbers, charts and tables", async () => {
    await page.fill('#token', ADMIN_TOKEN);
    await page.click('#login button[type="submit"]');
    await ready();
    const api = await dashboard('1h');
    const overall = api.summary.overall;

    expect(overall.requests).toBe(600);
    expect(await value('stat-requests')).toBe(overall.requests);
    expect(await value('stat-throughput')).toBe(overall.throughputPerSec);
    expect(await value('stat-error-rate')).toBe(overall.errorRate);
    expect(await value('stat-p50')).toBe(overall.p50Ms);
    expect(await value('stat-p95')).toBe(overall.p95Ms);
    expect(await value('stat-p99')).toBe(overall.p99Ms);
    // What a person reads: the same numbers, formatted.
    expect(await text('[data-testid="stat-requests"]')).toBe('600');
    expect(await text('[data-testid="stat-error-rate"]')).toBe(`${(overall.errorRate * 100).toFixed(2)}%`);
    expect(await text('[data-testid="stat-p95"]')).toBe(`${overall.p95Ms.toLocaleString('en-US', { maximumFractionDigits: 1 })} ms`);

    expect(api.worstEndpoints[0].route).toBe('/checkout');
    expect(await text('[data-testid="endpoints"] tbody tr:first-child td:nth-child(2)')).toBe(`POST ${api.worstEndpoints[0].route}`);
    expect(await page.locator('[data-testid="endpoints"] tbody tr').count()).toBe(api.worstEndpoints.length);
    expect(await page.locator('[data-testid="queries"] tbody tr').count()).toBe(2);
    expect(await text('[data-testid="queries"] tbody tr:first-child td:first-child')).toBe(api.slowQueries[0].query);
    expect(await page.locator('[data-testid="errors"] tbody tr').count()).toBe(2);
    expect(await text('[data-testid="errors"] tbody')).toContain('PaymentError');

    for (const id of ['chart-throughput', 'chart-error-rate', 'chart-latency']) {
      const box = await page.locator(`#${id}`).boundingBox();
      expect(box?.width).toBeGreaterThan(100);
      expect(box?.height).toBeGreaterThan(100);
    }
    const plotted = await page.evaluate('Chart.getChart("chart-throughput").data.datasets[0].data');
    expect(plotted).toEqual(api.timeseries.throughput.map((p: { value: number }) => p.value));

    await page.waitForSelector('[data-testid="health"] li[data-check="database"][data-status="up"]', { timeout: 10_000 });
    expect(await text('[data-testid="health"]')).toMatch(/redis\s+up/);
    // The uptime panel lists vigil's own dependencies, which are check targets from the start.
    expect(await text('[data-testid="checks"] tbody')).toMatch(/vigil-database\s*postgres/);
    expect(await text('[data-testid="checks"] tbody')).toMatch(/vigil-redis\s*redis/);
    expect(await text(`[data-testid="alerts"] tr:has(button[data-ack="${alertId}"])`)).toContain(`dashboard-${projectId}`);

    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('acknowledges an alert with its Ack button', async () => {
    await page.click(`button[data-ack="${alertId}"]`);
    await page.waitForSelector(`[data-testid="alerts"] button[data-ack="${alertId}"]`, { state: 'detached', timeout: 10_000 });
    const alert = await (await fetch(`${stack.api.url}/api/v1/alerts/${alertId}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    expect(alert).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'dashboard' });
  });

  it('reloads with the window picked', async () => {
    const answered = page.waitForResponse((r) => r.url().includes('/api/v1/dashboard?window=24h'));
    await page.selectOption('[data-testid="window"]', '24h');
    expect((await answered).status()).toBe(200);
    await ready();
    const api = await dashboard('24h');
    expect(api.step).toBe('1h');
    expect(await value('stat-requests')).toBe(api.summary.overall.requests);
    expect(await value('stat-p95')).toBe(api.summary.overall.p95Ms);
    expect(page.url()).toContain('window=24h');
  });

  it('keeps the token across visits, and forgets it on sign out', async () => {
    await page.reload();
    await ready();
    expect(await page.isVisible('[data-testid="login"]')).toBe(false);
    expect(await page.inputValue('[data-testid="window"]')).toBe('24h');
    await page.click('[data-testid="sign-out"]');
    await page.waitForSelector('[data-testid="login"]', { state: 'visible', timeout: 10_000 });
    expect(await page.evaluate('localStorage.getItem("vigil.adminToken")')).toBeNull();
    expect(problems).toEqual([]);
  });
});
