import type { Table } from '@baler/format';
import { describe, expect, it } from 'vitest';
import { matrixToTable, tableToMatrix } from './table-matrix.ts';

describe('tableToMatrix / matrixToTable', () => {
  it('turn a one-dtype table into a rows × columns matrix and back', () => {
    const table: Table = {
      kind: 'table',
      rowCount: 2,
      columns: [
        { name: 'a', dtype: 'uint16', data: Uint16Array.of(1, 2) },
        { name: 'b', dtype: 'uint16', data: Uint16Array.of(3, 4) },
      ],
      attributes: {},
    };
    const matrix = tableToMatrix(table, 't.h5', 'HDF5');
    expect(matrix.dtype).toBe('uint16');
    expect(matrix.names).toEqual(['a', 'b']);
    expect(Array.from(matrix.data as Uint16Array)).toEqual([1, 3, 2, 4]);
    expect(matrixToTable(matrix.data, matrix.dtype, matrix.names, {})).toEqual(table);
  });

  it('refuses text and mixed dtypes, pointing to CSV', () => {
    const base = { kind: 'table' as const, rowCount: 1, attributes: {} };
    expect(() =>
      tableToMatrix(
        {
          ...base,
          columns: [
            { name: 'x', dtype: 'string', data: ['a'] },
            { name: 'y', dtype: 'string', data: ['b'] },
          ],
        },
        'o.npz',
        '.npz',
      ),
    ).toThrow(
      'o.npz: .npz stores a table as one numeric matrix, but columns "x", "y" hold text. Write the table as .csv, which keeps text columns.',
    );
    expect(() =>
      tableToMatrix(
        {
          ...base,
          columns: [
            { name: 'x', dtype: 'int8', data: Int8Array.of(1) },
            { name: 'y', dtype: 'uint8', data: Uint8Array.of(1) },
          ],
        },
        'o.h5',
        'HDF5',
      ),
    ).toThrow(/columns differ \(x: int8, y: uint8\)/);
  });
});
