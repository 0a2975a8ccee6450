import { setTimeout as sleep } from 'node:timers/promises';
import { BenchStack, envInt, runBench } from './harness';
import { until, WebhookReceiver } from './webhook-receiver';

/**
 * BENCH_NOTIFICATIONS (10,000) alerts fire at once, each its own group, so
 * each becomes one signed webhook delivery through the whole real path:
 * ingest → instant evaluation → outbox → routing → group flush → notify
 * queue → receiver. Counts what arrived twice (same webhook-id) and what
 * never arrived. Baseline, same run: the same number of plain POSTs from
 * this process to the same receiver, 16 at a time (the worker's
 * NOTIFY_CONCURRENCY).
 *
 * Last line: notifications=<n> per_s=<n> duplicates=<n> lost=<n>
 */

const SERVICE = 'bench-notify';
const SETTLE_MS = 3000;

async function bench(stack: BenchStack): Promise<string> {
  const n = envInt('BENCH_NOTIFICATIONS', 10_000);
  const receiver = await new WebhookReceiver().start();
  try {
    const baseline = await plainPosts(`${receiver.url}/baseline`, n, 16);
    receiver.arrivals.length = 0;
    receiver.seen.clear();

    await stack.resetDatabase();
    const env = { NOTIFY_ALLOWED_HOSTS: '127.0.0.1' };
    const worker = await stack.startWorker({ env });
    const api = await stack.startApi({ env });
    const { key } = await stack.createKey('notify-bench');
    const channel = await stack.manage<{ id: string }>(api, 'POST', 'channels', {
      name: 'bench hook', type: 'webhook', config: { url: `${receiver.url}/alerts` }, rateLimitPerMinute: 100_000,
    });
    await stack.manage(api, 'POST', 'routes', {
      name: 'bench', position: 1, matchers: [{ name: 'rule', op: '=', value: 'bench-notify' }], channelIds: [channel.id],
      groupBy: ['...'], groupWaitSeconds: 0, repeatIntervalSeconds: 0, sendResolved: false,
    });
    await stack.manage(api, 'POST', 'rules', {
      name: 'bench-notify', kind: 'threshold', metric: 'p95', service: SERVICE, groupByEndpoint: true, windowSeconds: 60, warning: 1, forEvaluations: 0, minSamples: 1,
    });
    console.log(`notify bench: ${n} alerts firing at once → ${n} webhook deliveries (worker ${worker.url})`);

    const now = Date.now();
    const events = Array.from({ length: n }, (_, i) => ({ timestamp: now, service: SERVICE, method: 'GET', route: `/n/${i}`, status: 200, durationMs: 50 }));
    const started = Date.now();
    for (let i = 0; i < events.length; i += 10_000) {
      const response = await fetch(`${api.url}/api/v1/ingest/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: events.slice(i, i + 10_000) }),
      });
      if (response.status !== 202) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    }
    await until(() => receiver.seen.size >= n, `${n} deliveries`, 8 * 60_000).catch((e: Error) => console.error(e.message));
    const seconds = (Math.max(...receiver.arrivals.map((a) => a.at)) - started) / 1000;
    // Anything still on its way would be a duplicate: give it time to arrive.
    await sleep(SETTLE_MS);
    const perSecond = receiver.seen.size / seconds;
    console.log(`baseline_per_s=${baseline.toFixed(0)} ratio=${(perSecond / baseline).toFixed(3)} (end to end from the breach, against plain POSTs to the same receiver)`);
    return `notifications=${receiver.seen.size} per_s=${perSecond.toFixed(0)} duplicates=${receiver.duplicates} lost=${n - receiver.seen.size}`;
  } finally {
    await receiver.stop();
  }
}

/** Requests per second for `n` JSON POSTs, `concurrency` at a time. */
async function plainPosts(url: string, n: number, concurrency: number): Promise<number> {
  const body = JSON.stringify({ kind: 'alerts', alerts: [{ labels: { route: '/n/0' } }] });
  let next = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const id = next++;
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': `b${id}` }, body });
        await response.arrayBuffer();
      }
    }),
  );
  return n / ((Date.now() - started) / 1000);
}

runBench(bench);
