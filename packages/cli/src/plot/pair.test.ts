import type { Field, Table } from '@baler/format';
import { describe, expect, it } from 'vitest';
import { pairDatasets } from './pair.ts';

const table = (names: string[], rows = 2): Table => ({
  kind: 'table',
  rowCount: rows,
  columns: names.map((name, j) => ({
    name,
    dtype: 'float64',
    data: Float64Array.from({ length: rows }, (_, i) => i + j),
  })),
  attributes: {},
});
const field = (shape: number[]): Field => ({
  kind: 'field',
  shape,
  dtype: 'float32',
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
  attributes: {},
});

describe('pairDatasets', () => {
  it('pairs columns by name, whatever their order in the file, and skips text columns', () => {
    const input = table(['a', 'b']);
    input.columns.push({ name: 'label', dtype: 'string', data: ['x', 'y'] });
    const decoded = table(['b', 'a']);
    decoded.columns.push({ name: 'label', dtype: 'string', data: ['x', 'y'] });
    const pair = pairDatasets(input, decoded, 'in.csv', 'f.baler');
    expect(pair.kind).toBe('table');
    if (pair.kind !== 'table') return;
    expect(pair.columns.map((c) => [c.name, Array.from(c.reconstructed)])).toEqual([
      ['a', [1, 2]],
      ['b', [0, 1]],
    ]);
    expect(pair.skipped).toEqual(['label']);
  });

  it('refuses another kind or shape, saying what differs', () => {
    expect(() => pairDatasets(table(['a']), field([2, 2]), 'in.h5', 'f.baler')).toThrow(
      /in.h5 is a table but f.baler holds a field\. Pass the INPUT/,
    );
    expect(() => pairDatasets(field([2, 3]), field([3, 2]), 'in.npy', 'f.baler')).toThrow(
      /shape 2 × 3 but f.baler holds 3 × 2/,
    );
    expect(() => pairDatasets(table(['a', 'b', 'c', 'd', 'e', 'f', 'g']), table(['z']), 'i', 'f')).toThrow(
      /only in i: a, b, c, d, e and 2 more; only in f: z/,
    );
  });

  it('shows a 1-D field like one table column', () => {
    expect(pairDatasets(field([5]), field([5]), 'i', 'f')).toMatchObject({
      kind: 'table',
      columns: [{ name: 'values' }],
    });
  });
});
