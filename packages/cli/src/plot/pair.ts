// Lines up the original data with what a .baler file decodes to, refusing pairs that cannot be the same
// data (another kind, shape, row count or set of columns) with a message that says what differs.
import type { Dataset, Field } from '@baler/format';
import { UsageError } from '../usage.ts';
import type { ColumnPair } from './columns.ts';
import { toFloat64 } from './stats.ts';

export type DataPair =
  | {
      kind: 'table';
      columns: ColumnPair[] /** Text columns, which have no distribution to draw. */;
      skipped: string[];
    }
  | { kind: 'field'; original: Field; reconstructed: Field };

const HINT = 'Pass the INPUT the .baler file was compressed from.';

export function pairDatasets(
  input: Dataset,
  decoded: Dataset,
  inputName: string,
  fileName: string,
): DataPair {
  if (input.kind !== decoded.kind)
    throw new UsageError(`${inputName} is a ${input.kind} but ${fileName} holds a ${decoded.kind}. ${HINT}`);
  if (input.kind === 'field' && decoded.kind === 'field') {
    const a = input.shape.join(' × ');
    const b = decoded.shape.join(' × ');
    if (a !== b) throw new UsageError(`${inputName} has shape ${a} but ${fileName} holds ${b}. ${HINT}`);
    // A 1-D field has no image to draw: its values are shown like one table column.
    if (input.shape.length === 1)
      return {
        kind: 'table',
        columns: [
          { name: 'values', original: toFloat64(input.data), reconstructed: toFloat64(decoded.data) },
        ],
        skipped: [],
      };
    return { kind: 'field', original: input, reconstructed: decoded };
  }
  if (input.kind !== 'table' || decoded.kind !== 'table') throw new Error('unreachable');
  if (input.rowCount !== decoded.rowCount)
    throw new UsageError(
      `${inputName} has ${input.rowCount} rows but ${fileName} holds ${decoded.rowCount}. ${HINT}`,
    );
  const names = new Set(decoded.columns.map((c) => c.name));
  const onlyInput = input.columns.filter((c) => !names.has(c.name)).map((c) => c.name);
  const inputNames = new Set(input.columns.map((c) => c.name));
  const onlyFile = decoded.columns.filter((c) => !inputNames.has(c.name)).map((c) => c.name);
  if (onlyInput.length > 0 || onlyFile.length > 0) {
    const list = (xs: string[]) =>
      xs.length > 5 ? `${xs.slice(0, 5).join(', ')} and ${xs.length - 5} more` : xs.join(', ');
    const parts = [
      onlyInput.length > 0 ? `only in ${inputName}: ${list(onlyInput)}` : '',
      onlyFile.length > 0 ? `only in ${fileName}: ${list(onlyFile)}` : '',
    ].filter(Boolean);
    throw new UsageError(
      `${inputName} and ${fileName} hold different columns (${parts.join('; ')}). ${HINT}`,
    );
  }
  const byName = new Map(decoded.columns.map((c) => [c.name, c]));
  const columns: ColumnPair[] = [];
  const skipped: string[] = [];
  for (const column of input.columns) {
    const other = byName.get(column.name)!;
    if (column.dtype === 'string' || other.dtype === 'string') {
      skipped.push(column.name);
      continue;
    }
    columns.push({
      name: column.name,
      original: toFloat64(column.data as ArrayLike<number | bigint>),
      reconstructed: toFloat64(other.data as ArrayLike<number | bigint>),
    });
  }
  return { kind: 'table', columns, skipped };
}
