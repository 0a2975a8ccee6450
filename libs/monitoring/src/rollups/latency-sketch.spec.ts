import { decodeSketch, encodeSketch, mergeEncoded, newSketch, RELATIVE_ACCURACY } from './latency-sketch';

/** Exact quantile by the sketch's own rank rule: the value at rank q·(n-1) of the sorted data. */
function exact(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))];
}

function seeded(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

describe('latency sketch', () => {
  it.each([
    ['uniform', (r: () => number) => 1 + r() * 999],
    ['long tail', (r: () => number) => 2 + r() ** 4 * 20_000],
    ['bimodal', (r: () => number) => (r() < 0.9 ? 20 + r() * 10 : 2000 + r() * 500)],
  ])('merged from 40 parts, stays within 1%% of the exact p50/p95/p99 (%s)', (_, draw) => {
    const random = seeded(42);
    const values: number[] = [];
    const merged = newSketch();
    for (let part = 0; part < 40; part++) {
      const sketch = newSketch();
      for (let i = 0; i < 500; i++) {
        const v = draw(random);
        values.push(v);
        sketch.accept(v);
      }
      mergeEncoded(merged, encodeSketch(sketch));
    }
    values.sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      const error = Math.abs(merged.getValueAtQuantile(q) - exact(values, q)) / exact(values, q);
      expect(error).toBeLessThanOrEqual(RELATIVE_ACCURACY);
    }
    expect(merged.count).toBe(20_000);
    expect(merged.max).toBe(values[values.length - 1]);
    expect(merged.min).toBe(values[0]);
  });

  it('round-trips count, sum, zeros and large counts', () => {
    const sketch = newSketch();
    sketch.accept(0, 3);
    sketch.accept(12.5, 5_000_000_000);
    sketch.accept(0.001);
    const decoded = decodeSketch(encodeSketch(sketch));
    expect(decoded.count).toBe(sketch.count);
    expect(decoded.zeroCount).toBe(3);
    expect(decoded.sum).toBeCloseTo(sketch.sum);
    expect(decoded.getValueAtQuantile(0.5)).toBeCloseTo(sketch.getValueAtQuantile(0.5));
    expect(decoded.getValueAtQuantile(0)).toBe(0);
  });

  it('encodes an empty sketch', () => {
    const decoded = decodeSketch(encodeSketch(newSketch()));
    expect(decoded.count).toBe(0);
    expect(Number.isNaN(decoded.getValueAtQuantile(0.5))).toBe(true);
  });
});
