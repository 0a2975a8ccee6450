import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { envInt, median } from './harness';

/**
 * What @vigil/client's Express middleware costs an app: the same Express app
 * with and without it, each in its own process, take the same GET load from
 * autocannon (in this process) in alternating rounds. The instrumented app
 * really sends its batches (gzipped, over HTTP) to a sink here that answers
 * 202, so batching and compression are part of the price.
 *
 * On a shared machine single rounds swing by tens of percent either way, so
 * rounds are short, alternate, and each side's rate is its median round.
 *
 *   BENCH_ROUNDS (12)  BENCH_SECONDS (3)  BENCH_CONNECTIONS (32)
 *   BENCH_INTEGRATION: app (instrumentExpress, default) or middleware (app.use(vigilExpress))
 */

const WARMUP_SECONDS = 3;

interface Variant {
  name: string;
  process: ChildProcess;
  url: string;
  rates: number[];
}

async function main(): Promise<string> {
  const rounds = envInt('BENCH_ROUNDS', 12);
  const seconds = envInt('BENCH_SECONDS', 3);
  const connections = envInt('BENCH_CONNECTIONS', 32);
  const integration = process.env.BENCH_INTEGRATION ?? 'app';
  if (integration !== 'app' && integration !== 'middleware') throw new Error('BENCH_INTEGRATION must be app or middleware');
  console.log(`client bench (${integration}): ${rounds} rounds of ${seconds} s per variant, ${connections} connections`);

  let received = 0;
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":1}');
    });
  });
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

  const variants = await Promise.all([start('with', integration, sinkUrl), start('without', 'off', sinkUrl)]);
  const [withVigil, without] = variants;
  try {
    for (const variant of variants) await load(variant, WARMUP_SECONDS, connections);
    for (let round = 1; round <= rounds; round++) {
      // Alternate who goes first, so drift (JIT, heat, the sink) hits both alike.
      const order = round % 2 === 1 ? [withVigil, without] : [without, withVigil];
      for (const variant of order) {
        const result = await load(variant, seconds, connections);
        variant.rates.push(result.requests / result.seconds);
        console.log(`round ${round} ${variant.name}: ${Math.round(result.requests / result.seconds)} req/s (p99 ${result.p99} ms)`);
      }
    }
  } finally {
    const stopped = once(withVigil.process, 'exit');
    for (const variant of variants) variant.process.kill('SIGTERM');
    await stopped;
    sink.close();
  }
  console.log(`batches received by the sink: ${received}`);
  const withRps = median(withVigil.rates);
  const withoutRps = median(without.rates);
  return `with_rps=${Math.round(withRps)} without_rps=${Math.round(withoutRps)} ratio=${(withRps / withoutRps).toFixed(3)}`;
}

async function start(name: string, vigil: string, sinkUrl: string): Promise<Variant> {
  const child = spawn(process.execPath, [join(__dirname, 'client-app.js')], {
    env: { PATH: process.env.PATH, NODE_ENV: 'production', VIGIL: vigil, SINK_URL: sinkUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /listening (\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
      if (/sent=/.test(output)) console.log(`${name}: ${output.trim().split('\n').at(-1)}`);
    });
    child.once('exit', (code) => reject(new Error(`${name} app exited with ${code}`)));
  });
  return { name, process: child, url: `http://127.0.0.1:${port}/orders/42`, rates: [] };
}

async function load(variant: Variant, seconds: number, connections: number) {
  const result = await autocannon({ url: variant.url, connections, duration: seconds, sampleInt: 100 });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed) throw new Error(`${variant.name}: ${failed} requests failed`);
  return { requests: result['2xx'], seconds: result.duration, p99: result.latency.p99 };
}

main().then(
  (line) => {
    console.log(line);
    process.exit(0);
  },
  (error: Error) => {
    console.error(`bench failed: ${error.message}`);
    process.exit(1);
  },
);
