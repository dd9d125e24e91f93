import type { Table } from '@baler/format';
import { describe, expect, it } from 'vitest';
import { formatFloat, numericColumnNames, parseCsv, serializeCsv } from './csv.ts';
import { isDataInputError } from './errors.ts';
import { expectSameBits, float32EdgeValues, INTEGER_DTYPES, integerEdgeValues } from './test-support.ts';

function table(columns: Table['columns']): Table {
  return { kind: 'table', rowCount: columns[0]?.data.length ?? 0, columns, attributes: {} };
}

function column(parsed: Table, name: string) {
  const found = parsed.columns.find((c) => c.name === name);
  if (!found) throw new Error(`no column ${name}`);
  return found;
}

describe('parseCsv', () => {
  it('types columns: int32, int64, uint64, float64 with NaN for empty cells, text kept exactly', () => {
    const parsed = parseCsv(
      [
        'small,big,huge,real,label,blank',
        '1,9007199254740993,18446744073709551615,1.5,"Smith, J.",',
        '-2,-9223372036854775808,0,,  spaced  ,',
        '3,4,5,-0,007,',
      ].join('\n'),
    );
    expect(parsed.rowCount).toBe(3);
    expect(column(parsed, 'small')).toEqual({ name: 'small', dtype: 'int32', data: Int32Array.of(1, -2, 3) });
    expect(column(parsed, 'big')).toEqual({
      name: 'big',
      dtype: 'int64',
      data: BigInt64Array.of(9007199254740993n, -(2n ** 63n), 4n),
    });
    expect(column(parsed, 'huge').dtype).toBe('uint64');
    const real = column(parsed, 'real').data as Float64Array;
    expect(column(parsed, 'real').dtype).toBe('float64');
    expect(real[0]).toBe(1.5);
    expect(real[1]).toBeNaN();
    expect(Object.is(real[2], -0)).toBe(true);
    expect(column(parsed, 'label')).toEqual({
      name: 'label',
      dtype: 'string',
      data: ['Smith, J.', '  spaced  ', '007'],
    });
    expect(column(parsed, 'blank')).toEqual({ name: 'blank', dtype: 'string', data: ['', '', ''] });
  });

  it('accepts the usual spellings of NaN and infinities, and keeps -0 in integer-looking columns', () => {
    const parsed = parseCsv('x,z\nnan,0\nNaN,-0\ninf,1\n-inf,2\nInfinity,3\n-Infinity,4\n+INF,5\n');
    const x = Array.from(column(parsed, 'x').data as Float64Array);
    expect(x).toEqual([NaN, NaN, Infinity, -Infinity, Infinity, -Infinity, Infinity]);
    const z = column(parsed, 'z');
    expect(z.dtype).toBe('float64');
    expect(Object.is((z.data as Float64Array)[1], -0)).toBe(true);
  });

  it('handles RFC 4180 quoting: delimiters, doubled quotes and line breaks inside quotes, CRLF', () => {
    const parsed = parseCsv('"a,b","say ""hi"""\r\n"x\r\ny",2\r\n');
    expect(parsed.columns.map((c) => c.name)).toEqual(['a,b', 'say "hi"']);
    expect(parsed.columns[0]!.data).toEqual(['x\r\ny']);
  });

  it('detects tab and semicolon delimiters, keeping decimal commas as text', () => {
    expect(parseCsv('a\tb\n1\t2\n').columns.map((c) => c.dtype)).toEqual(['int32', 'int32']);
    const semicolon = parseCsv('a;b\n1,5;2\n');
    expect(semicolon.columns.map((c) => c.name)).toEqual(['a', 'b']);
    expect(semicolon.columns[0]!.data).toEqual(['1,5']);
  });

  it('skips blank lines and a byte order mark; a header-only file has zero rows', () => {
    const parsed = parseCsv('\ufeffa,b\n\n1,2\n\n3,4\n\n');
    expect(parsed.columns[0]!.name).toBe('a');
    expect(parsed.rowCount).toBe(2);
    expect(parseCsv('a,b\n').rowCount).toBe(0);
  });

  it('reads a blank line in a one-column file as an empty cell (NaN)', () => {
    const values = parseCsv('x\n1.5\n\n2\n').columns[0]!.data as Float64Array;
    expect(Array.from(values)).toEqual([1.5, NaN, 2]);
  });

  it('reports ragged rows with their line number', () => {
    let error: unknown;
    try {
      parseCsv('a,b,c\n1,2,3\n"multi\nline",5,6\n4,5\n', 'runs.csv');
    } catch (caught) {
      error = caught;
    }
    expect(isDataInputError(error)).toBe(true);
    expect((error as Error).message).toBe(
      'runs.csv: line 5 has 2 fields but the header has 3. Give every row one field per column; quote fields that contain the delimiter ",".',
    );
  });

  it('refuses a number too large for float64 instead of reading it as Infinity, naming row and column', () => {
    expect(() => parseCsv('a,b\n1,2\n2,1e400\n', 'big.csv')).toThrow(
      'big.csv: column "b", row 2: 1e400 is beyond the float64 range (±1.8e308) and would read as Infinity. Write it within ±1.8e308, or as inf or -inf if infinity is meant.',
    );
    expect(() => parseCsv(`x\n-${'9'.repeat(400)}\n`, 'int.csv')).toThrow(/column "x", row 1: -9{17}/);
    // The infinity spellings stay infinities; the largest float64 and underflow to 0 are fine.
    const x = parseCsv('x\ninf\n-Infinity\n+INF\n1.7976931348623157e308\n1e-400\n').columns[0]!;
    expect(Array.from(x.data as Float64Array)).toEqual([Infinity, -Infinity, Infinity, Number.MAX_VALUE, 0]);
  });

  it('reports unclosed quotes and empty files', () => {
    expect(() => parseCsv('a,b\n"1,2\n', 'q.csv')).toThrow(
      /line 2 opens a quoted field that is never closed/,
    );
    expect(() => parseCsv('', 'e.csv')).toThrow('e.csv: is empty: there is no header row. Check the path.');
  });
});

describe('serializeCsv', () => {
  it('round-trips float64 values exactly, including NaN, ±Infinity and -0', () => {
    const values = Float64Array.of(
      NaN,
      Infinity,
      -Infinity,
      -0,
      0,
      5e-324,
      0.1,
      1 / 3,
      -1.7976931348623157e308,
      1e21,
    );
    const read = parseCsv(serializeCsv(table([{ name: 'x', dtype: 'float64', data: values }])));
    expectSameBits(read.columns[0]!.data as Float64Array, values);
  });

  it('writes float32 values so they read back as the same values (as float64)', () => {
    // CSV has canonical NaN only, so payload NaNs become the plain NaN.
    const values = float32EdgeValues().map((x) => (Number.isNaN(x) ? NaN : x));
    const read = parseCsv(serializeCsv(table([{ name: 'x', dtype: 'float32', data: values }])));
    expectSameBits(read.columns[0]!.data as Float64Array, Float64Array.from(values));
    expectSameBits(Float32Array.from(read.columns[0]!.data as Float64Array), values);
  });

  it.each(INTEGER_DTYPES)('round-trips %s values', (dtype) => {
    const values = integerEdgeValues(dtype);
    const read = parseCsv(serializeCsv(table([{ name: 'n', dtype, data: values }])));
    expect(Array.from(read.columns[0]!.data as ArrayLike<number | bigint>, String)).toEqual(
      Array.from(values as ArrayLike<number | bigint>, String),
    );
  });

  it('keeps text columns, quoting where needed', () => {
    const original = table([
      { name: 'name, full', dtype: 'string', data: ['a', 'b,c', 'say "x"', 'two\nlines', ''] },
      { name: 'score', dtype: 'float64', data: Float64Array.of(1, 2, 3, 4, 5) },
    ]);
    const text = serializeCsv(original);
    expect(text.split('\n')[0]).toBe('"name, full",score');
    expect(text.split('\n')[1]).toBe('a,1.0');
    // Whole floats are written as "1.0", so the column stays float64.
    expect(parseCsv(text)).toEqual(original);
  });

  it('writes empty text in a one-column table so it is not read as a blank line', () => {
    const original = table([{ name: 's', dtype: 'string', data: ['x', '', 'y'] }]);
    expect(parseCsv(serializeCsv(original)).columns[0]!.data).toEqual(['x', '', 'y']);
  });
});

describe('formatFloat', () => {
  it('is the shortest text that reads back to the same float64', () => {
    expect([NaN, Infinity, -Infinity, -0, 0.1, 1e21, 5e-324].map(formatFloat)).toEqual([
      'NaN',
      'Infinity',
      '-Infinity',
      '-0',
      '0.1',
      '1e+21',
      '5e-324',
    ]);
  });
});

describe('numericColumnNames', () => {
  it('is true when every name is a decimal number, as a data row read as the header would be', () => {
    expect(numericColumnNames(['1', ' -2.5e3', '.5'])).toBe(true);
    expect(numericColumnNames(['2019', '2020'])).toBe(true);
    expect(numericColumnNames(['2019', 'total'])).toBe(false);
    expect(numericColumnNames([])).toBe(false);
  });
});
