// The layout HDF5 and .npz files give a table: one rows × columns matrix of a single numeric dtype plus a
// list of column names (the LHCb file, and the original Python Baler's .npz). These convert between that
// layout and Baler's columnar Table.

import type { Attributes, NumericArray, NumericDType, Table } from '@baler/format';
import { DataInputError, listForMessage } from './errors.ts';
import { interleaveColumns, splitColumns } from './reorder.ts';

export interface TableMatrix {
  dtype: NumericDType;
  rowCount: number;
  names: string[];
  /** rows × names.length values in C (row-major) order. */
  data: NumericArray;
}

/**
 * The table as one matrix. Throws a DataInputError when its columns do not share one numeric dtype,
 * since such a matrix could not hold them without changing values; `format` names the target in the message.
 */
export function tableToMatrix(table: Table, path: string, format: string): TableMatrix {
  const textColumns = table.columns
    .filter((column) => column.dtype === 'string')
    .map((column) => column.name);
  if (textColumns.length > 0) {
    throw new DataInputError({
      path,
      problem: `${format} stores a table as one numeric matrix, but column${textColumns.length > 1 ? 's' : ''} ${listForMessage(textColumns.map(quote))} hold${textColumns.length > 1 ? '' : 's'} text`,
      fix: 'Write the table as .csv, which keeps text columns.',
    });
  }
  const dtypes = new Set(table.columns.map((column) => column.dtype));
  if (dtypes.size > 1) {
    const described = table.columns.map((column) => `${column.name}: ${column.dtype}`);
    throw new DataInputError({
      path,
      problem: `${format} stores a table as one matrix of a single dtype, but the columns differ (${listForMessage(described, 8)})`,
      fix: 'Write the table as .csv, which keeps each column its own type, or convert the columns to one dtype first.',
    });
  }
  const dtype = (table.columns[0]?.dtype ?? 'float64') as NumericDType;
  return {
    dtype,
    rowCount: table.rowCount,
    names: table.columns.map((column) => column.name),
    data: interleaveColumns(
      table.columns.map((column) => column.data as NumericArray),
      table.rowCount,
    ),
  };
}

/** A rows × names.length C-order matrix as a columnar table. */
export function matrixToTable(
  data: NumericArray,
  dtype: NumericDType,
  names: readonly string[],
  attributes: Attributes,
): Table {
  const columns = splitColumns(data, names.length);
  return {
    kind: 'table',
    rowCount: names.length === 0 ? 0 : data.length / names.length,
    columns: columns.map((column, i) => ({ name: names[i]!, dtype, data: column })),
    attributes,
  };
}

function quote(name: string): string {
  return `"${name}"`;
}
