import type { StreamPlan, Table } from '@baler/format';
import { encodeStreamForTrial } from '@baler/format';
import { seededRandom } from '@baler/format/testing';
import { describe, expect, it } from 'vitest';
import { parseBound } from './error-bound.ts';
import { planColumn, withCoder, withSmallerCoders } from './plan.ts';

describe('withSmallerCoders', () => {
  it('recodes a stream with rANS exactly when that is no larger, and leaves other streams alone', () => {
    const random = seededRandom(3);
    const n = 6000;
    // Stationary noise suits static tables; noise whose scale drifts 1000-fold along the rows suits
    // the adaptive coder, which follows it where one table per stream cannot.
    const stationary = Float64Array.from({ length: n }, () => random() - 0.5);
    const drifting = Float64Array.from({ length: n }, (_, i) => (random() - 0.5) * 1000 ** (i / n));
    const table: Table = {
      kind: 'table',
      rowCount: n,
      columns: [
        { name: 'stationary', dtype: 'float64', data: stationary },
        { name: 'drifting', dtype: 'float64', data: drifting },
        { name: 'flag', dtype: 'float64', data: new Float64Array(n).fill(1) },
        { name: 'label', dtype: 'string', data: new Array<string>(n).fill('B') },
      ],
      attributes: {},
    };
    const plans = table.columns.map((c) => planColumn(c, parseBound('abs=1e-3'), []).plan);
    const chosen = withSmallerCoders(table, plans);
    const bytes = (plan: StreamPlan, j: number) =>
      encodeStreamForTrial(plan, table.columns[j]!.data, [n], 'float64').bytes;
    expect(chosen.slice(0, 2).map((p) => p.method.name)).toEqual(['quantized-rans', 'quantized']);
    for (const j of [0, 1, 2]) {
      const [range, rans] = [bytes(plans[j]!, j), bytes(withCoder(plans[j]!, 'rans'), j)];
      expect(bytes(chosen[j]!, j)).toBe(Math.min(range, rans));
    }
    expect(chosen[3]).toBe(plans[3]); // text is stored exactly, whatever the coders
  });
});

describe('pointwise relative bounds near the dtype precision', () => {
  const column = (data: Float32Array | Float64Array) => ({
    name: 'x',
    dtype: data instanceof Float32Array ? ('float32' as const) : ('float64' as const),
    data,
  });
  const values = Float64Array.from({ length: 64 }, (_, i) => (i + 1) * 1.37);

  it('stores exactly when no other value of the dtype is within the bound, saying why', () => {
    // 1 + 1e-17 rounds to 1: a log2(1 + E) step was 0, which the writer then refused as malformed.
    for (const [data, bound] of [
      [values, 'pwrel=1e-17'],
      [values, 'pwrel=1.1e-16'],
      [Float32Array.from(values), 'pwrel=5e-8'],
    ] as const) {
      const { plan, reason } = planColumn(column(data), parseBound(bound), []);
      expect(plan.method.name).toBe('exact');
      expect(reason).toMatch(/within the dtype's precision/);
    }
  });

  it('quantizes just above it, with a positive step that keeps every value within the bound', () => {
    for (const [data, E] of [
      [values, 3e-16],
      [Float32Array.from(values), 1.2e-7],
    ] as const) {
      const { plan } = planColumn(column(data), parseBound(`pwrel=${E}`), []);
      const step = (plan.method as { step?: number }).step!;
      // 2 log2(1 + E) to full precision: computed as log2 of 1 + E rounded, it came out 48 % too wide at
      // E = 3e-16 (which the encoder's check then had to make up for with exceptions).
      expect(step / ((2 * Math.log1p(E)) / Math.LN2)).toBeCloseTo(1, 8);
      const { decoded } = encodeStreamForTrial(plan, data, [data.length], column(data).dtype);
      for (let i = 0; i < data.length; i++) {
        expect(Math.abs((decoded as Float64Array)[i]! - data[i]!)).toBeLessThanOrEqual(
          E * Math.abs(data[i]!),
        );
      }
    }
  });
});
