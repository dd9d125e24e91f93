import type { Field, Table } from '@baler/format';
import { describe, expect, it } from 'vitest';
import { isDataInputError } from '../io/errors.ts';
import { datasetToMatrix } from './matrix.ts';

describe('datasetToMatrix', () => {
  it('makes a table row-major, converting every numeric dtype', () => {
    const table: Table = {
      kind: 'table',
      rowCount: 2,
      columns: [
        { name: 'a', dtype: 'int64', data: BigInt64Array.of(1n, -2n) },
        { name: 'b', dtype: 'float32', data: Float32Array.of(0.5, 1.5) },
      ],
      attributes: {},
    };
    const m = datasetToMatrix(table);
    expect([...m.values]).toEqual([1, 0.5, -2, 1.5]);
    expect(m).toMatchObject({ kind: 'table', rows: 2, features: 2, names: ['a', 'b'] });
  });

  it("flattens each of a field's frames into one sample", () => {
    const field: Field = {
      kind: 'field',
      shape: [3, 2, 2],
      dtype: 'float64',
      data: Float64Array.from({ length: 12 }, (_, i) => i),
      attributes: {},
    };
    expect(datasetToMatrix(field)).toMatchObject({ rows: 3, features: 4, sampleShape: [2, 2] });
  });

  it('refuses text columns and single samples with a DataInputError', () => {
    const text: Table = {
      kind: 'table',
      rowCount: 2,
      columns: [{ name: 'label', dtype: 'string', data: ['x', 'y'] }],
      attributes: {},
    };
    expect(() => datasetToMatrix(text, 'in.csv')).toThrow(/in\.csv: column "label" holds text/);
    const one: Field = {
      kind: 'field',
      shape: [1, 5],
      dtype: 'float64',
      data: new Float64Array(5),
      attributes: {},
    };
    try {
      datasetToMatrix(one, 'one.npy');
      expect.unreachable();
    } catch (error) {
      expect(isDataInputError(error)).toBe(true);
    }
  });
});
