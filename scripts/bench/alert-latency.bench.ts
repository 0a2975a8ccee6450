import { BenchStack, envInt, runBench } from './harness';
import { until, WebhookReceiver } from './webhook-receiver';

/**
 * Breach ingested → webhook received, for a rule with `forEvaluations: 0`
 * (Prometheus' `for: 0`), over BENCH_BREACHES (200) breaches: each a new
 * endpoint going slow, one every BENCH_BREACH_EVERY_MS (150), through the
 * real API, worker and a local receiver. The clock starts before the ingest
 * POST and stops when the receiver has the message. Baseline, same run: the
 * issue's goal (2,000 ms), against Alertmanager's default group_wait alone of
 * 30 s.
 *
 * Last line: p50_ms=<n> p99_ms=<n>
 */

const SERVICE = 'bench-latency';
const GOAL_MS = 2000;

async function bench(stack: BenchStack): Promise<string> {
  const breaches = envInt('BENCH_BREACHES', 200);
  const every = envInt('BENCH_BREACH_EVERY_MS', 150);
  const receiver = await new WebhookReceiver().start();
  try {
    await stack.resetDatabase();
    const env = { NOTIFY_ALLOWED_HOSTS: '127.0.0.1' };
    await stack.startWorker({ env });
    const api = await stack.startApi({ env });
    const { key } = await stack.createKey('latency-bench');
    const channel = await stack.manage<{ id: string }>(api, 'POST', 'channels', { name: 'bench hook', type: 'webhook', config: { url: `${receiver.url}/alerts` }, rateLimitPerMinute: 100_000 });
    await stack.manage(api, 'POST', 'routes', {
      name: 'bench', position: 1, matchers: [{ name: 'rule', op: '=', value: SERVICE }], channelIds: [channel.id], groupBy: ['...'], groupWaitSeconds: 0, sendResolved: false,
    });
    await stack.manage(api, 'POST', 'rules', {
      name: SERVICE, kind: 'threshold', metric: 'p95', service: SERVICE, groupByEndpoint: true, windowSeconds: 60, warning: 1000, forEvaluations: 0, minSamples: 5,
    });
    console.log(`alert latency bench: ${breaches} breaches, one every ${every} ms`);

    const sentAt = new Map<string, number>();
    for (let i = 0; i < breaches; i++) {
      const route = `/slow/${i}`;
      const events = Array.from({ length: 5 }, () => ({ timestamp: Date.now(), service: SERVICE, method: 'GET', route, status: 200, durationMs: 1500 }));
      sentAt.set(route, Date.now());
      const response = await fetch(`${api.url}/api/v1/ingest/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events }),
      });
      if (response.status !== 202) throw new Error(`ingest answered ${response.status}`);
      await new Promise((resolve) => setTimeout(resolve, every));
    }
    const receivedAt = new Map<string, number>();
    await until(
      () => {
        for (const arrival of receiver.arrivals) for (const alert of arrival.body.alerts ?? []) if (!receivedAt.has(alert.labels.route)) receivedAt.set(alert.labels.route, arrival.at);
        return receivedAt.size >= breaches;
      },
      `${breaches} alert messages`,
      120_000,
    );
    const latencies = [...sentAt].map(([route, at]) => receivedAt.get(route)! - at).sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
    console.log(`goal_ms=${GOAL_MS} p99/goal=${(pct(99) / GOAL_MS).toFixed(3)} max_ms=${latencies.at(-1)} (Alertmanager's default group_wait alone: 30000 ms)`);
    return `p50_ms=${pct(50)} p99_ms=${pct(99)}`;
  } finally {
    await receiver.stop();
  }
}

runBench(bench);
