import { BenchStack, LoadResult, Service, batchBody, envInt, median, postBatches, runBench } from './harness';

/**
 * What self-instrumentation costs the API process: two otherwise identical
 * APIs (one recording its own requests, one not) take the same small-batch
 * load in alternating runs, against one database and one Redis prefix. No
 * worker runs: a worker draining the queue on the same two cores would make
 * the machine, not the instrumentation, decide the result. (Writing the self
 * events costs the worker one row per API request, in batches.)
 *
 * On a shared machine single rounds swing by tens of percent either way, so
 * rounds are short, alternate, and each side's rate is its median round.
 *
 *   BENCH_ROUNDS (12)  BENCH_SECONDS (3)  BENCH_CONNECTIONS (16)
 */

const BATCH = 10;
const WARMUP_SECONDS = 3;

interface Variant {
  api: Service;
  rates: number[];
}

runBench(async (stack) => {
  const rounds = envInt('BENCH_ROUNDS', 12);
  const seconds = envInt('BENCH_SECONDS', 3);
  const connections = envInt('BENCH_CONNECTIONS', 16);
  console.log(`overhead bench: ${rounds} rounds of ${seconds} s per variant, ${connections} connections, batches of ${BATCH}`);

  const [instrumented, plain] = await startVariants(stack);
  const { key } = await stack.createKey('overhead-bench');
  const body = batchBody(BATCH);
  const run = (variant: Variant, runSeconds: number) =>
    postBatches({ url: variant.api.url, key, body, connections, seconds: runSeconds });

  for (const variant of [instrumented, plain]) await run(variant, WARMUP_SECONDS);
  for (let round = 1; round <= rounds; round++) {
    // Alternate who goes first, so drift (JIT, a growing queue) hits both alike.
    const order = round % 2 === 1 ? [instrumented, plain] : [plain, instrumented];
    for (const variant of order) record(round, variant, await run(variant, seconds));
  }

  const instrumentedRps = median(instrumented.rates);
  const plainRps = median(plain.rates);
  return `instrumented_rps=${Math.round(instrumentedRps)} plain_rps=${Math.round(plainRps)} ratio=${(instrumentedRps / plainRps).toFixed(2)}`;
});

async function startVariants(stack: BenchStack): Promise<[Variant, Variant]> {
  const [instrumented, plain] = await Promise.all([
    stack.startApi({ name: 'api-instrumented', selfInstrumentation: true }),
    stack.startApi({ name: 'api-plain', selfInstrumentation: false }),
  ]);
  const variant = (api: Service): Variant => ({ api, rates: [] });
  return [variant(instrumented), variant(plain)];
}

function record(round: number, variant: Variant, result: LoadResult): void {
  variant.rates.push(result.accepted / result.seconds);
  console.log(
    `round ${round} ${variant.api.name}: ${Math.round(result.accepted / result.seconds)} req/s ` +
      `(p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms)`,
  );
}

