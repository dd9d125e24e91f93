import { describe, expect, it } from 'vitest';
import { seededRandom } from '../testing.ts';
import { RowWalk } from './contexts.ts';
import type { LinearStencil, PredictorSpec } from './predictors.ts';
import { BlockPredictor } from './predictors.ts';

/**
 * Random causal offsets (first non-zero component negative) within ±2 for a block of rank `rank`; as
 * many as asked, or as there are (two in 1-D).
 */
function randomStencil(rank: number, asked: number, random: () => number): LinearStencil {
  const offsets: number[][] = [];
  const taps = Math.min(asked, (5 ** rank - 1) / 2);
  while (offsets.length < taps) {
    const o = Array.from({ length: rank }, () => Math.floor(random() * 5) - 2);
    const first = o.find((v) => v !== 0);
    if (first === undefined || first > 0 || offsets.some((p) => p.join() === o.join())) continue;
    offsets.push(o);
  }
  return { offsets, weights: offsets.map(() => random() * 2 - 1) };
}

/**
 * W[i] = prediction(i) + Q[i] × step over the block, row by row: value by value through `at` (SPEC.md
 * §7.2 step 5 as written), or through `reconstructRow`.
 */
function reconstruct(
  spec: PredictorSpec,
  shape: number[],
  quantized: Int32Array,
  step: number,
  how: 'value by value' | 'row by row' | "encoder's rows",
): Float64Array {
  const predictor = new BlockPredictor(spec, shape);
  const walk = new RowWalk(shape);
  const working = new Float64Array(quantized.length);
  for (let row = 0; row < walk.rows; row++) {
    walk.enter(row);
    predictor.startRow(walk.rowIndex);
    const base = row * walk.rowLength;
    if (how === 'row by row') predictor.reconstructRow(working, quantized, base, walk.rowLength, step);
    else if (how === "encoder's rows")
      predictor.quantizeRow(working, base, walk.rowLength, (i, p) => {
        working[i] = p + quantized[i]! * step;
      });
    else
      for (let i = base; i < base + walk.rowLength; i++)
        working[i] = predictor.at(working, i, i - base) + quantized[i]! * step;
  }
  return working;
}

describe('BlockPredictor.reconstructRow', () => {
  it('computes, bit for bit, what the value-by-value procedure of §7.2 computes', () => {
    const random = seededRandom(5);
    let compared = 0;
    for (let trial = 0; trial < 120; trial++) {
      const rank = 1 + (trial % 4);
      const shape = Array.from({ length: rank }, () => 1 + Math.floor(random() * (rank === 1 ? 40 : 9)));
      const n = shape.reduce((a, b) => a * b, 1);
      const quantized = Int32Array.from({ length: n }, () => Math.round((random() - 0.5) * 20));
      // Taps from 1 to 12: the unrolled runs (≤ 8) and the loop (> 8), edges through the fallbacks.
      const main = randomStencil(rank, 1 + (trial % 12), random);
      const fallbacks = [randomStencil(rank, 1 + (trial % 3), random), randomStencil(rank, 1, random)];
      const specs: PredictorSpec[] = [
        { name: 'lorenzo' },
        { name: 'stencil', ...main },
        { name: 'stencil-fallbacks', ...main, fallbacks },
        { name: 'constant', value: random() },
      ];
      for (const spec of specs) {
        const expected = reconstruct(spec, shape, quantized, 0.37, 'value by value');
        const actual = reconstruct(spec, shape, quantized, 0.37, 'row by row');
        for (let i = 0; i < n; i++) {
          if (!Object.is(actual[i], expected[i]))
            throw new Error(`${spec.name} on [${shape}], value ${i}: ${actual[i]} ≠ ${expected[i]}`);
        }
        compared += n;
      }
    }
    expect(compared).toBeGreaterThan(50_000);
  });

  it('splits long stencils on long rows (earlier rows summed first) without changing a bit, decoder and encoder', () => {
    const random = seededRandom(8);
    let split = 0;
    let eight = 0;
    for (let trial = 0; trial < 60; trial++) {
      const rank = 2 + (trial % 3);
      const shape = Array.from({ length: rank }, (_, d) =>
        d === rank - 1 ? 20 + Math.floor(random() * 40) : 2 + Math.floor(random() * 4),
      );
      const n = shape.reduce((a, b) => a * b, 1);
      const quantized = Int32Array.from({ length: n }, () => Math.round((random() - 0.5) * 20));
      const main = randomStencil(rank, 4 + (trial % 21), random);
      // Half the trials put the current row's terms last (as --fast-decode orders them), half keep the
      // random order, where the split stops at the first term on the current row.
      if (trial % 2 === 0) {
        const order = main.offsets.map((_, k) => k);
        const sameRow = (k: number) => main.offsets[k]!.every((v, d) => d === rank - 1 || v === 0);
        order.sort((a, b) => Number(sameRow(a)) - Number(sameRow(b)) || a - b);
        main.offsets = order.map((k) => main.offsets[k]!);
        main.weights = order.map((k) => main.weights[k]!);
      }
      const earlier = main.offsets.findIndex((o) => o.every((v, d) => d === rank - 1 || v === 0));
      // The condition under which BlockPredictor splits a run (more than 8 terms, 4 or more on earlier rows).
      if (main.offsets.length > 8 && (earlier < 0 ? main.offsets.length : earlier) >= 4) split++;
      // Eight or more terms on earlier rows: the split sums them eight per pass first.
      if (main.offsets.length > 8 && (earlier < 0 ? main.offsets.length : earlier) >= 8) eight++;
      const specs: PredictorSpec[] = [
        { name: 'stencil', ...main },
        { name: 'stencil-fallbacks', ...main, fallbacks: [randomStencil(rank, 2, random)] },
      ];
      for (const spec of specs) {
        const expected = reconstruct(spec, shape, quantized, 0.37, 'value by value');
        for (const how of ['row by row', "encoder's rows"] as const) {
          const actual = reconstruct(spec, shape, quantized, 0.37, how);
          for (let i = 0; i < n; i++) {
            if (!Object.is(actual[i], expected[i]))
              throw new Error(
                `${how}, ${spec.name} on [${shape}], value ${i}: ${actual[i]} ≠ ${expected[i]}`,
              );
          }
        }
      }
    }
    expect(split).toBeGreaterThan(20);
    expect(eight).toBeGreaterThan(10);
  });
});
