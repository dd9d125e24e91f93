// CSV tables (RFC 4180) with a header row, read into typed columns and written so every number reads back
// bit-identical.
//
// The first row names the columns, whatever it holds: names that are numbers (years, wavelengths,
// pandas' default 0, 1, 2, …) are names too. A file without a header loses its first row to the names;
// callers can warn when every name is a number (numericColumnNames).
//
// Column types, decided per column from all its cells (surrounding spaces ignored for the decision):
// - every cell an integer within int32 → int32; within int64 → int64; within uint64 → uint64;
// - otherwise, every non-empty cell a number → float64, empty cells → NaN. Numbers are decimal
//   (`1`, `-0`, `.5`, `1e-7`) or `NaN`, `inf`, `Infinity`, `-inf`, `-Infinity` in any letter case;
//   `-0` keeps its sign, so an integer column containing `-0` is float64; a decimal beyond float64's
//   range (`1e400`) is refused rather than read as Infinity;
// - anything else (including a column of only empty cells) → a `string` column holding each cell exactly.
// Float columns are written with a decimal point ("1.0"), so they read back as float64 and integer columns
// as integers. CSV keeps values, not exact dtypes: float32 reads back as float64 of the same values, int8 as
// int32, uint64 values below 2^63 as int64.
// Numbers with a decimal comma ("1,5") are text. Attributes are not written: CSV has no place for them.
//
// The delimiter is ',' unless the first rows parse consistently only with tab or ';'. Blank lines are
// skipped when the header has several columns; in a one-column file a blank line is an empty cell.

import type { Column, NumericArray, Table } from '@baler/format';
import { DataInputError } from './errors.ts';

export type CsvDelimiter = ',' | '\t' | ';';

export interface CsvOptions {
  /** Field delimiter; detected from the first rows when omitted. */
  delimiter?: CsvDelimiter;
}

/** Parses CSV text whose first row names the columns. `path` names the data in error messages. */
export function parseCsv(text: string, path = 'the CSV data', options: CsvOptions = {}): Table {
  // A UTF-8 byte order mark (Excel writes one) is not part of the first column's name.
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const delimiter = options.delimiter ?? detectDelimiter(body, path);
  let names: string[] | undefined;
  let cells: string[][] = [];
  const pendingBlankLines: number[] = [];
  let rowCount = 0;

  scanRecords(body, delimiter, path, (fields, line, blank) => {
    if (names === undefined) {
      if (blank) return true; // blank lines before the header
      names = fields;
      cells = names.map(() => []);
      return true;
    }
    if (blank && names.length > 1) return true;
    if (blank) {
      // Only a blank line followed by more data is an empty cell; trailing blank lines are not rows.
      pendingBlankLines.push(line);
      return true;
    }
    for (const _ of pendingBlankLines) cells[0]!.push('');
    rowCount += pendingBlankLines.length;
    pendingBlankLines.length = 0;
    if (fields.length !== names.length) {
      throw new DataInputError({
        path,
        problem: `line ${line} has ${fields.length} field${fields.length === 1 ? '' : 's'} but the header has ${names.length}`,
        fix: `Give every row one field per column; quote fields that contain the delimiter ${JSON.stringify(delimiter)}.`,
      });
    }
    for (let c = 0; c < fields.length; c++) cells[c]!.push(fields[c]!);
    rowCount++;
    return true;
  });

  if (names === undefined) {
    throw new DataInputError({ path, problem: 'is empty: there is no header row', fix: 'Check the path.' });
  }
  const header: string[] = names;
  return {
    kind: 'table',
    rowCount,
    columns: header.map((name, c) => typedColumn(name, cells[c]!, path)),
    attributes: {},
  };
}

/** The table as CSV text: a header row, then one line per row, `\n`-terminated. */
export function serializeCsv(table: Table, options: CsvOptions = {}): string {
  const delimiter = options.delimiter ?? ',';
  const quote = (text: string) => quoteField(text, delimiter);
  const formatters = table.columns.map((column) => cellFormatter(column, quote));
  const lines = new Array<string>(table.rowCount + 1);
  lines[0] = table.columns.map((column) => quote(column.name)).join(delimiter);
  const row = new Array<string>(formatters.length);
  for (let r = 0; r < table.rowCount; r++) {
    for (let c = 0; c < formatters.length; c++) row[c] = formatters[c]!(r);
    lines[r + 1] = row.join(delimiter);
  }
  return `${lines.join('\n')}\n`;
}

/** Shortest text that parses back to the identical float64 (float32 values are written widened). */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  // String(-0) is "0", which would lose the sign.
  if (Object.is(value, -0)) return '-0';
  return String(value);
}

/**
 * Like formatFloat, but whole numbers get ".0" so that the column reads back as float64, not int32.
 * "-0" needs none: it already reads as float64, since int32 cannot hold its sign.
 */
function formatFloatCell(value: number): string {
  const text = formatFloat(value);
  return WHOLE_NUMBER.test(text) ? `${text}.0` : text;
}

const WHOLE_NUMBER = /^-?[1-9]\d*$|^0$/;
const INTEGER = /^[+-]?\d+$/;
const NEGATIVE_ZERO = /^-0+$/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// A Map, not an object: looking a string up as an object key interns it, which costs seconds on big files.
const SPECIAL_VALUES = new Map<string, number>([
  ['nan', Number.NaN],
  ['+nan', Number.NaN],
  ['-nan', Number.NaN],
  ['inf', Number.POSITIVE_INFINITY],
  ['+inf', Number.POSITIVE_INFINITY],
  ['infinity', Number.POSITIVE_INFINITY],
  ['+infinity', Number.POSITIVE_INFINITY],
  ['-inf', Number.NEGATIVE_INFINITY],
  ['-infinity', Number.NEGATIVE_INFINITY],
]);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Whether every name is a decimal number, as when a CSV without a header row had its first row of data read
 * as the names: for a caller's warning, since such names may also be meant (years, wavelengths).
 */
export function numericColumnNames(names: readonly string[]): boolean {
  // DECIMAL's dot is optional: it matches integers too.
  return names.length > 0 && names.every((name) => DECIMAL.test(name.trim()));
}

/** A cell as quoted in a message: long text (a 400-digit number) cut short. */
function shortCell(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > 24 ? `${trimmed.slice(0, 20)}…` : trimmed;
}

function typedColumn(name: string, cells: string[], path: string): Column {
  if (cells.length === 0) return { name, dtype: 'float64', data: new Float64Array(0) };
  let allIntegers = true;
  let anyEmpty = false;
  let anyValue = false;
  for (const cell of cells) {
    const text = cell.trim();
    if (text === '') {
      anyEmpty = true;
      continue;
    }
    anyValue = true;
    if (INTEGER.test(text)) {
      if (NEGATIVE_ZERO.test(text)) allIntegers = false;
    } else if (DECIMAL.test(text) || SPECIAL_VALUES.has(text.toLowerCase())) {
      allIntegers = false;
    } else {
      return { name, dtype: 'string', data: cells };
    }
  }
  if (!anyValue) return { name, dtype: 'string', data: cells };
  if (allIntegers && !anyEmpty) {
    const integers = integerColumn(cells);
    if (integers !== undefined) return { name, ...integers };
  }
  const values = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const text = cells[i]!.trim();
    const value = parseFloatCell(text);
    // Number() rounds decimals past float64's range to ±Infinity without a word; only the infinity
    // spellings may mean infinity.
    if (
      (value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) &&
      !SPECIAL_VALUES.has(text.toLowerCase())
    ) {
      throw new DataInputError({
        path,
        problem: `column ${JSON.stringify(name)}, row ${i + 1}: ${shortCell(text)} is beyond the float64 range (±1.8e308) and would read as Infinity`,
        fix: 'Write it within ±1.8e308, or as inf or -inf if infinity is meant.',
      });
    }
    values[i] = value;
  }
  return { name, dtype: 'float64', data: values };
}

/** The narrowest of int32, int64, uint64 that holds every cell, or undefined if none does. */
function integerColumn(cells: string[]): Pick<Column, 'dtype' | 'data'> | undefined {
  let fitsInt32 = true;
  for (const cell of cells) {
    // Number() of an integer string is exact near the int32 bounds, so this comparison is too.
    const value = Number(cell);
    if (value < INT32_MIN || value > INT32_MAX) {
      fitsInt32 = false;
      break;
    }
  }
  if (fitsInt32) return { dtype: 'int32', data: Int32Array.from(cells, Number) };
  const values = cells.map((cell) => BigInt(cell.trim()));
  let fitsInt64 = true;
  let fitsUint64 = true;
  for (const value of values) {
    if (value < INT64_MIN || value > INT64_MAX) fitsInt64 = false;
    if (value < 0n || value > UINT64_MAX) fitsUint64 = false;
  }
  if (fitsInt64) return { dtype: 'int64', data: BigInt64Array.from(values) };
  if (fitsUint64) return { dtype: 'uint64', data: BigUint64Array.from(values) };
  return undefined;
}

function parseFloatCell(text: string): number {
  if (text === '') return Number.NaN;
  // Number() of a decimal string is correctly rounded and keeps the sign of -0. The cell already passed
  // the DECIMAL or special-value check, so Number()'s extra syntax (hex, "Infinity") cannot slip in wrongly.
  const value = Number(text);
  if (!Number.isNaN(value)) return value;
  return SPECIAL_VALUES.get(text.toLowerCase()) ?? Number.NaN;
}

function cellFormatter(column: Column, quote: (text: string) => string): (row: number) => string {
  const { data } = column;
  if (Array.isArray(data)) return (row) => quote(data[row]!);
  const numbers = data as NumericArray;
  if (numbers instanceof Float64Array || numbers instanceof Float32Array) {
    return (row) => formatFloatCell(numbers[row]!);
  }
  return (row) => String(numbers[row]!);
}

function quoteField(text: string, delimiter: string): string {
  // Empty text is quoted so that a one-column row of it is not taken for a blank line.
  if (text === '' || text.includes(delimiter) || /["\r\n]/.test(text))
    return `"${text.replaceAll('"', '""')}"`;
  return text;
}

/**
 * ',' unless the header and the first rows have one consistent field count (more than one) only with
 * tab or ';'. Anything ambiguous stays ',', and a wrong guess shows up as a ragged-row error.
 */
function detectDelimiter(text: string, path: string): CsvDelimiter {
  const SAMPLE_RECORDS = 50;
  for (const candidate of [',', '\t', ';'] as const) {
    let headerFields = 0;
    let consistent = true;
    let records = 0;
    try {
      scanRecords(text, candidate, path, (fields, _line, blank) => {
        if (blank) return true;
        if (headerFields === 0) headerFields = fields.length;
        else if (fields.length !== headerFields) consistent = false;
        return consistent && ++records < SAMPLE_RECORDS;
      });
    } catch {
      consistent = false;
    }
    if (consistent && headerFields > 1) return candidate;
  }
  return ',';
}

/**
 * Calls `onRecord(fields, line, blank)` for each record; `line` is the 1-based line it starts on, `blank`
 * marks an empty line. Stops when `onRecord` returns false.
 */
function scanRecords(
  text: string,
  delimiter: string,
  path: string,
  onRecord: (fields: string[], line: number, blank: boolean) => boolean,
): void {
  const QUOTE = 0x22;
  const CR = 0x0d;
  const LF = 0x0a;
  const delimiterCode = delimiter.charCodeAt(0);
  const n = text.length;
  let i = 0;
  let line = 1;
  const endOfLine = () => {
    if (text.charCodeAt(i) === CR) i++;
    if (text.charCodeAt(i) === LF) i++;
    line++;
  };

  while (i < n) {
    const recordLine = line;
    const first = text.charCodeAt(i);
    if (first === CR || first === LF) {
      endOfLine();
      if (!onRecord([''], recordLine, true)) return;
      continue;
    }
    const fields: string[] = [];
    for (;;) {
      if (text.charCodeAt(i) === QUOTE) {
        let value = '';
        i++;
        for (;;) {
          const close = text.indexOf('"', i);
          if (close < 0) {
            throw new DataInputError({
              path,
              problem: `line ${recordLine} opens a quoted field that is never closed`,
              fix: 'Close the quote, and write a quote inside a quoted field as "".',
            });
          }
          const chunk = text.slice(i, close);
          for (let k = chunk.indexOf('\n'); k >= 0; k = chunk.indexOf('\n', k + 1)) line++;
          value += chunk;
          i = close + 1;
          if (text.charCodeAt(i) !== QUOTE) break;
          value += '"'; // "" inside quotes is one quote
          i++;
        }
        const next = text.charCodeAt(i);
        if (i < n && next !== delimiterCode && next !== CR && next !== LF) {
          throw new DataInputError({
            path,
            problem: `line ${line} has text after a closing quote`,
            fix: 'Quote the whole field, and write a quote inside a quoted field as "".',
          });
        }
        fields.push(value);
      } else {
        const start = i;
        while (i < n) {
          const code = text.charCodeAt(i);
          if (code === delimiterCode || code === CR || code === LF) break;
          i++;
        }
        fields.push(text.slice(start, i));
      }
      if (i < n && text.charCodeAt(i) === delimiterCode) {
        i++;
        continue;
      }
      if (i < n) endOfLine();
      break;
    }
    if (!onRecord(fields, recordLine, false)) return;
  }
}
