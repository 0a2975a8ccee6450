// vigil's dashboard: plain browser JS over the public API (GET api/v1/dashboard with the
// admin token, GET health/ready without). Chart.js is loaded before this file as `Chart`.
'use strict';

(() => {
  const TOKEN_KEY = 'vigil.adminToken';
  const $ = (id) => document.getElementById(id);
  const page = new URLSearchParams(location.search);
  const charts = {};
  let loads = 0; // the latest load wins when the window is changed mid-flight

  // ---- formatting (the raw number goes into data-value) ----
  const num = (v, digits) => v.toLocaleString('en-US', { maximumFractionDigits: digits });
  const fmt = {
    count: (v) => num(v, 0),
    perSec: (v) => `${num(v, 2)}/s`,
    pct: (v) => `${(v * 100).toFixed(2)}%`,
    ms: (v) => `${num(v, 1)} ms`,
  };
  const show = (v, format) => (v === null || v === undefined ? '–' : format(v));
  const time = (iso) => new Date(iso).toLocaleString('en-GB', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

  // ---- token ----
  const token = () => localStorage.getItem(TOKEN_KEY);

  function askForToken(message = '') {
    localStorage.removeItem(TOKEN_KEY);
    $('main').hidden = true;
    $('sign-out').hidden = true;
    $('login-message').textContent = message;
    $('login').hidden = false;
    document.body.dataset.state = 'signed-out';
    $('token').focus();
  }

  class Unauthorized extends Error {}

  async function api(path, init = {}) {
    const headers = { authorization: `Bearer ${token()}`, ...(init.body ? { 'content-type': 'application/json' } : {}) };
    const response = await fetch(path, { ...init, headers });
    if (response.status === 401) throw new Unauthorized();
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
    return body;
  }

  // ---- rendering ----
  function stat(id, value, format) {
    const el = $(id);
    el.textContent = show(value, format);
    el.dataset.value = value === null || value === undefined ? '' : String(value);
  }

  /** Fills a table's body: one row per item, each column `[cell(item), className?]`, text only. */
  function table(id, items, columns, empty) {
    const rows = items.map((item) => {
      const tr = document.createElement('tr');
      for (const [cell, className] of columns) {
        const td = tr.insertCell();
        td.textContent = cell(item);
        if (className) td.className = typeof className === 'function' ? className(item) : className;
      }
      return tr;
    });
    if (!rows.length) {
      const tr = document.createElement('tr');
      const td = tr.insertCell();
      td.colSpan = columns.length;
      td.className = 'empty';
      td.textContent = empty;
      rows.push(tr);
    }
    $(id).tBodies[0].replaceChildren(...rows);
  }

  function chart(id, series) {
    charts[id] ??= new Chart($(id), {
      type: 'line',
      data: { labels: [], datasets: series.map(({ label, color }) => ({ label, data: [], borderColor: color, backgroundColor: color, borderWidth: 1.5, pointRadius: 0, spanGaps: true })) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { display: series.length > 1, labels: { boxWidth: 12 } } },
        scales: { x: { ticks: { maxTicksLimit: 6, maxRotation: 0 } }, y: { beginAtZero: true } },
      },
    });
    return charts[id];
  }

  function plot(id, points, series, step) {
    const c = chart(id, series);
    const label = step === '1d' ? { month: 'short', day: 'numeric' } : step === '1h' ? { day: 'numeric', hour: '2-digit', minute: '2-digit' } : { hour: '2-digit', minute: '2-digit' };
    c.data.labels = points[0].map((p) => new Date(p.t).toLocaleString('en-GB', label));
    points.forEach((ps, i) => (c.data.datasets[i].data = ps.map((p) => (p.value === null ? null : p.value * (series[i].scale ?? 1)))));
    c.update();
  }

  function render(d) {
    const o = d.summary.overall;
    stat('stat-requests', o.requests, fmt.count);
    stat('stat-throughput', o.throughputPerSec, fmt.perSec);
    stat('stat-error-rate', o.errorRate, fmt.pct);
    stat('stat-p50', o.p50Ms, fmt.ms);
    stat('stat-p95', o.p95Ms, fmt.ms);
    stat('stat-p99', o.p99Ms, fmt.ms);
    $('range').textContent = `${time(d.window.from)} – ${time(d.window.to)}`;

    const ts = d.timeseries;
    plot('chart-throughput', [ts.throughput], [{ label: 'req/s', color: '#2563eb' }], d.step);
    plot('chart-error-rate', [ts.errorRate], [{ label: '5xx %', color: '#c62828', scale: 100 }], d.step);
    plot('chart-latency', [ts.p50, ts.p95, ts.p99], [
      { label: 'p50', color: '#16a34a' },
      { label: 'p95', color: '#f59e0b' },
      { label: 'p99', color: '#c62828' },
    ], d.step);

    const ms = (key) => [(r) => show(r[key], fmt.ms), 'num'];
    table('endpoints', d.worstEndpoints, [
      [(r) => r.service],
      [(r) => `${r.method} ${r.route}`],
      [(r) => fmt.count(r.requests), 'num'],
      [(r) => fmt.pct(r.errorRate), 'num'],
      ms('p50Ms'), ms('p95Ms'), ms('p99Ms'),
    ], 'No requests in this window.');
    table('queries', d.slowQueries, [
      [(r) => r.query, 'query'],
      [(r) => r.services.join(', ')],
      [(r) => fmt.count(r.count), 'num'],
      ms('meanMs'), ms('p95Ms'), ms('maxMs'),
      [(r) => time(r.lastSeen)],
    ], 'No slow queries in this window.');
    table('errors', d.errors, [
      [(r) => r.severity, (r) => `sev-${r.severity}`],
      [(r) => r.service],
      [(r) => r.type],
      [(r) => fmt.count(r.count), 'num'],
      [(r) => r.lastMessage],
      [(r) => time(r.lastSeen)],
    ], 'No errors in this window.');
    table('services', d.summary.services, [
      [(r) => r.service],
      [(r) => fmt.count(r.requests), 'num'],
      [(r) => fmt.pct(r.errorRate), 'num'],
      ms('p95Ms'),
    ], 'No services reported in this window.');
  }

  /** Active alerts, each firing one with an Ack button. */
  function renderAlerts(alerts) {
    table('alerts', alerts.items, [
      [(a) => a.severity, (a) => `severity ${a.severity}`],
      [(a) => a.summary],
      [(a) => a.state],
      [(a) => `${fmt.count(a.occurrences)}×`, 'num'],
      [() => ''],
    ], 'No active alerts.');
    alerts.items.forEach((alert, i) => {
      if (alert.state !== 'firing') return;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Ack';
      button.dataset.ack = alert.id;
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          await api(`api/v1/alerts/${alert.id}/ack`, { method: 'POST', body: JSON.stringify({ by: 'dashboard' }) });
          load();
        } catch (error) {
          if (error instanceof Unauthorized) return askForToken('The admin token was rejected. Enter it again.');
          button.disabled = false;
          $('error').textContent = `Could not acknowledge: ${error.message}`;
          $('error').hidden = false;
        }
      });
      $('alerts').tBodies[0].rows[i].cells[4].append(button);
    });
  }

  /** Service and uptime check targets: current status and uptime %. */
  function renderChecks({ services }) {
    const pct = (v) => (v === null ? '–' : `${v}%`);
    table('checks', services, [
      [(s) => s.name],
      [(s) => s.kind],
      [(s) => (s.enabled ? s.status : 'disabled'), (s) => `status ${s.enabled ? s.status : 'disabled'}`],
      [(s) => (s.lastResponseMs === null ? '–' : `${Math.round(s.lastResponseMs)} ms`), 'num'],
      [(s) => pct(s.uptime['24h']), 'num'],
      [(s) => pct(s.uptime['7d']), 'num'],
      [(s) => pct(s.uptime['30d']), 'num'],
      [(s) => s.lastError ?? ''],
    ], 'No check targets.');
  }

  async function renderHealth() {
    const items = [];
    try {
      const response = await fetch('health/ready');
      const body = await response.json();
      for (const [name, check] of Object.entries(body.details ?? {})) {
        const { status, ...info } = check;
        // Breakers report one object each: show its state.
        const detail = info.message ?? Object.entries(info).map(([k, v]) => `${k} ${typeof v === 'object' && v ? v.state : v}`).join(', ');
        items.push([name, status, detail]);
      }
    } catch (error) {
      items.push(['api', 'down', `unreachable: ${error.message}`]);
    }
    $('health').replaceChildren(...items.map(([name, status, detail]) => {
      const li = document.createElement('li');
      li.dataset.check = name;
      li.dataset.status = status;
      for (const [text, className] of [[name], [status, status === 'up' ? 'up' : 'down'], [detail]]) {
        const span = li.appendChild(document.createElement('span'));
        span.textContent = text;
        if (className) span.className = className;
      }
      return li;
    }));
  }

  // ---- loading ----
  async function load() {
    if (!token()) return askForToken();
    const id = ++loads;
    $('login').hidden = true;
    $('main').hidden = false;
    $('sign-out').hidden = false;
    document.body.dataset.state = 'loading';
    const query = new URLSearchParams({ window: $('window').value });
    for (const name of ['project', 'service']) if (page.get(name)) query.set(name, page.get(name));
    try {
      const alertQuery = new URLSearchParams({ state: 'active', limit: '20' });
      for (const name of ['project', 'service']) if (page.get(name)) alertQuery.set(name, page.get(name));
      const [data, alerts, checks] = await Promise.all([api(`api/v1/dashboard?${query}`), api(`api/v1/alerts?${alertQuery}`), api('api/v1/services'), renderHealth()]);
      if (id !== loads) return;
      render(data);
      renderAlerts(alerts);
      renderChecks(checks);
      $('error').hidden = true;
      document.body.dataset.state = 'ready';
    } catch (error) {
      if (id !== loads) return;
      if (error instanceof Unauthorized) return askForToken('The admin token was rejected. Enter it again.');
      $('error').textContent = `Could not load the dashboard: ${error.message}`;
      $('error').hidden = false;
      document.body.dataset.state = 'error';
    }
  }

  // ---- wiring ----
  const scope = ['project', 'service'].filter((n) => page.get(n)).map((n) => `${n} ${page.get(n)}`);
  $('scope').textContent = scope.join(' · ');
  $('window').value = page.get('window') ?? '1h';
  if (!$('window').value) $('window').value = '1h'; // not one of the choices

  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('token').value.trim();
    if (!value) return;
    localStorage.setItem(TOKEN_KEY, value);
    $('token').value = '';
    load();
  });
  $('sign-out').addEventListener('click', (event) => {
    event.preventDefault();
    askForToken();
  });
  $('window').addEventListener('change', () => {
    page.set('window', $('window').value);
    history.replaceState(null, '', `?${page}`);
    load();
  });
  $('refresh').addEventListener('click', load);
  load();
})();
