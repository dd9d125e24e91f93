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
