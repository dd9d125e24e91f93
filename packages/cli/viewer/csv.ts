// CSV text of decoded values for the viewer's downloads. Numbers print in their shortest form that reads
// back to the same value in their own dtype (a float32 prints as 0.1, not 0.10000000149011612).
import type { NumericArray, Table } from '@baler/format';

/** Table rows: a header line of column names, then one line per row. */
export function tableToCsv(table: Table): string {
  const columns = table.columns.map((c) => ({ name: c.name, text: cellFormatter(c.data) }));
  const lines = [columns.map((c) => quote(c.name)).join(',')];
  for (let row = 0; row < table.rowCount; row++) lines.push(columns.map((c) => c.text(row)).join(','));
  return `${lines.join('\n')}\n`;
}

/**
 * A block of a field in long form: one line per value with its index on each axis, so that any block of
 * any rank reads back with one `pandas.read_csv`. `offset` is the block's first index on axis 0.
 */
export function fieldToCsv(data: NumericArray, shape: number[], offset = 0): string {
  const text = cellFormatter(data);
  const lines = [[...shape.map((_, axis) => `i${axis}`), 'value'].join(',')];
  const index = shape.map(() => 0);
  for (let i = 0; i < data.length; i++) {
    lines.push(`${index[0]! + offset},${index.slice(1).join(',')}${shape.length > 1 ? ',' : ''}${text(i)}`);
    for (let axis = shape.length - 1; axis >= 0; axis--) {
      if (++index[axis]! < shape[axis]!) break;
      index[axis] = 0;
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Prints element `i` of a column as CSV (and the viewer's row preview) shows it. */
export function cellFormatter(data: NumericArray | string[]): (i: number) => string {
  if (Array.isArray(data)) return (i) => quote(data[i]!);
  if (data instanceof Float32Array) return (i) => shortestFloat32(data[i]!);
  return (i) => String(data[i]!);
}

function shortestFloat32(x: number): string {
  if (!Number.isFinite(x) || x === 0) return String(x);
  for (let digits = 1; digits < 9; digits++) {
    const text = x.toPrecision(digits);
    if (Math.fround(Number(text)) === x) return String(Number(text));
  }
  return String(Number(x.toPrecision(9)));
}

function quote(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
