import type { Dataset, DatasetHeader, Field, NumericArray, StreamPlan, Table } from '@baler/format';
import { bytesSource, openBaler, readDataset } from '@baler/format';
import { describe, expect, it } from 'vitest';
import { compressDataset } from './compress.ts';
import type { BoundSpec } from './error-bound.ts';
import { checkColumnOverrides, parseBound, parseColumnOverride } from './error-bound.ts';

const BOUNDS = ['abs=1e-3', 'rel=1e-3', 'pwrel=1e-3', 'lossless'].map(parseBound);
/** Every bound with each coder: the adaptive range coder, and static rANS (fastDecode). */
const CASES = BOUNDS.flatMap((b) => [
  [b.kind, 'range', b, false] as const,
  [b.kind, 'rANS', b, true] as const,
]);

/** Independent statement of each bound, for the values of one array. */
function allowance(bound: BoundSpec, values: NumericArray): (x: number) => number {
  if (bound.kind === 'lossless') return () => 0;
  if (bound.kind === 'abs') return () => bound.value;
  if (bound.kind === 'pwrel') return (x) => bound.value * Math.abs(x);
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values as Float64Array) {
    if (Number.isFinite(v)) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
  }
  const range = max > min ? max - min : 0;
  return () => (Number.isFinite(range) ? bound.value * range : 0);
}

function expectWithinBound(original: NumericArray, decoded: NumericArray, bound: BoundSpec, what: string) {
  expect(decoded.constructor, `${what}: dtype kept`).toBe(original.constructor);
  expect(decoded.length).toBe(original.length);
  const allowed = allowance(bound, original);
  for (let i = 0; i < original.length; i++) {
    const x = Number(original[i]);
    const y = Number(decoded[i]);
    if (!Number.isFinite(x) || Object.is(x, -0)) {
      expect(
        Object.is(x, y) || (Number.isNaN(x) && Number.isNaN(y)),
        `${what}[${i}]: ${x} must come back exactly, got ${y}`,
      ).toBe(true);
    } else if (Math.abs(y - x) > allowed(x)) {
      throw new Error(
        `${what}[${i}] under ${bound.kind}: ${x} decoded as ${y}, error ${Math.abs(y - x)} > ${allowed(x)}`,
      );
    }
  }
}

async function roundTrip(dataset: Dataset, bound: BoundSpec, overrides: string[] = [], fastDecode = false) {
  const result = await compressDataset(dataset, {
    bound,
    overrides: overrides.map(parseColumnOverride),
    fastDecode,
  });
  // --fast-decode codes every quantized stream with rANS; the default, each with whichever coder is smaller.
  if (fastDecode) {
    for (const plan of result.plans)
      if (plan.method.name.startsWith('quantized')) expect(plan.method.name).toBe('quantized-rans');
  }
  return { result, decoded: await readDataset(await openBaler(bytesSource(result.bytes))) };
}

const adversarial: Table = {
  kind: 'table',
  rowCount: 8,
  columns: [
    {
      name: 'specials',
      dtype: 'float64',
      data: Float64Array.of(
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        -0,
        0,
        5e-324,
        -2.5e-320,
        1,
      ),
    },
    { name: 'constant', dtype: 'float64', data: new Float64Array(8).fill(3.25) },
    { name: 'zeros', dtype: 'float32', data: new Float32Array(8) },
    {
      name: 'huge',
      dtype: 'float64',
      data: Float64Array.of(1e300, -1e300, 1e-300, 1.7e308, -1.7e308, 0, 42, -1e-5),
    },
    { name: 'ratio', dtype: 'float32', data: Float32Array.of(0.5, 0.25, 0.125, 1e-6, 3e38, -7, 2, 9.75) },
    { name: 'charge', dtype: 'float64', data: Float64Array.of(1, -1, 1, 1, -1, -1, 1, -1) },
    { name: 'count', dtype: 'int32', data: Int32Array.of(0, 5, -3, 2_000_000_000, 7, 7, 1, -2_000_000_000) },
    { name: 'label', dtype: 'string', data: ['a', 'b', '', 'ü', 'a', 'b', 'c', 'd'] },
  ],
  attributes: { note: 'adversarial' },
};

describe('compressDataset', () => {
  it.each(CASES)(
    'keeps every value of adversarial columns within %s (%s coder)',
    async (_, __, bound, fast) => {
      const { decoded } = await roundTrip(adversarial, bound, [], fast);
      const table = decoded as Table;
      adversarial.columns.forEach((column, j) => {
        const back = table.columns[j]!;
        expect(back.dtype).toBe(column.dtype);
        if (column.dtype === 'string') expect(back.data).toEqual(column.data);
        else expectWithinBound(column.data as NumericArray, back.data as NumericArray, bound, column.name);
      });
      // Discrete columns (±1 charges, integers) come back exactly whatever the bound.
      expect(table.columns[5]!.data).toEqual(adversarial.columns[5]!.data);
      expect(table.columns[6]!.data).toEqual(adversarial.columns[6]!.data);
    },
  );

  it.each(CASES)(
    'keeps a 3-D field with NaN, -0 and a constant frame within %s (%s coder)',
    async (_, __, bound, fast) => {
      const data = new Float32Array(6 * 7 * 5).map((_, i) => Math.sin(i / 5) * 10 + (i % 7));
      data.fill(2, 0, 35);
      data[40] = Number.NaN;
      data[41] = -0;
      data[42] = Number.NEGATIVE_INFINITY;
      const field: Field = { kind: 'field', shape: [6, 7, 5], dtype: 'float32', data, attributes: {} };
      const { result, decoded } = await roundTrip(field, bound, [], fast);
      expect((decoded as Field).shape).toEqual([6, 7, 5]);
      expectWithinBound(field.data, (decoded as Field).data, bound, 'field');
      // Only the three specials are exceptions (u32 count + 3 positions + 3 float32 values): a
      // decoder that disagreed with the encoder would send the writer to its exact safe path instead,
      // still within the bound.
      if (bound.kind !== 'lossless') {
        const exceptions = result.summary.sections.find((s) => s.kind === 'exceptions');
        expect(exceptions?.decodedBytes).toBe(4 + 3 * 4 + 3 * 4);
      }
    },
  );

  it.each([false, true])(
    'handles a single row, an empty table and an empty field (fastDecode %s)',
    async (fast) => {
      for (const bound of BOUNDS) {
        const single: Table = {
          kind: 'table',
          rowCount: 1,
          columns: [{ name: 'x', dtype: 'float64', data: Float64Array.of(-12.5) }],
          attributes: {},
        };
        expectWithinBound(
          single.columns[0]!.data as NumericArray,
          ((await roundTrip(single, bound, [], fast)).decoded as Table).columns[0]!.data as NumericArray,
          bound,
          'single',
        );
        const empty: Table = {
          kind: 'table',
          rowCount: 0,
          columns: [{ name: 'x', dtype: 'float64', data: new Float64Array(0) }],
          attributes: {},
        };
        expect(((await roundTrip(empty, bound, [], fast)).decoded as Table).rowCount).toBe(0);
        const none: Field = {
          kind: 'field',
          shape: [0, 4],
          dtype: 'float64',
          data: new Float64Array(0),
          attributes: {},
        };
        expect(((await roundTrip(none, bound, [], fast)).decoded as Field).shape).toEqual([0, 4]);
      }
    },
  );

  it('applies --column overrides by glob, and keeps discrete columns exact unless overridden', async () => {
    const table: Table = {
      kind: 'table',
      rowCount: 200,
      columns: [
        { name: 'H1_PX', dtype: 'float64', data: new Float64Array(200).map((_, i) => Math.cos(i) * 1000) },
        { name: 'H1_Charge', dtype: 'float64', data: new Float64Array(200).map((_, i) => (i % 3 ? 1 : -1)) },
      ],
      attributes: {},
    };
    const exactPx = await roundTrip(table, parseBound('abs=1'), ['H?_P*=exact']);
    // PX is stored exactly as asked; the discrete charge is kept exactly too, by integer entropy coding
    // (with either residual coder, whichever is smaller).
    const kind = (p: StreamPlan) => p.method.name.replace('quantized-rans', 'quantized');
    expect(exactPx.result.plans.map((p) => [kind(p), p.bound.kind])).toEqual([
      ['exact', 'lossless'],
      ['quantized', 'lossless'],
    ]);
    expect(exactPx.decoded.kind === 'table' && exactPx.decoded.columns[1]!.data).toEqual(
      table.columns[1]!.data,
    );
    const lossyCharge = await roundTrip(table, parseBound('abs=1'), ['*Charge=abs=0.5']);
    expect(lossyCharge.result.plans.map(kind)).toEqual(['quantized', 'quantized']);
    expectWithinBound(
      table.columns[1]!.data as NumericArray,
      (lossyCharge.decoded as Table).columns[1]!.data as NumericArray,
      parseBound('abs=0.5'),
      'charge',
    );
  });

  it.each([false, true])(
    'writes the same bytes for the same input and options (fastDecode %s)',
    async (fast) => {
      const a = await compressDataset(adversarial, { bound: parseBound('pwrel=1e-3'), fastDecode: fast });
      const b = await compressDataset(adversarial, { bound: parseBound('pwrel=1e-3'), fastDecode: fast });
      expect(a.bytes).toEqual(b.bytes);
    },
  );
});

describe('parseBound', () => {
  it('reads the four forms and rejects the rest with the forms in the message', () => {
    expect(parseBound('abs=1e-4')).toEqual({ kind: 'abs', value: 1e-4 });
    expect(parseBound(' pwrel = 0.001 ')).toEqual({ kind: 'pwrel', value: 0.001 });
    expect(parseBound('exact')).toEqual({ kind: 'lossless' });
    expect(() => parseBound('abs=-1')).toThrow(/finite number ≥ 0/);
    expect(() => parseBound('pwrel=2')).toThrow(/below 1/);
    expect(() => parseBound('psnr=40')).toThrow(/abs=E, rel=E, pwrel=E or lossless/);
  });
});

describe('checkColumnOverrides', () => {
  const table: DatasetHeader = {
    kind: 'table',
    columns: [
      { name: 'H1_Charge', dtype: 'float64' },
      { name: 'H1_PX', dtype: 'float64' },
      { name: 'label', dtype: 'string' },
    ],
    attributes: {},
  };
  const check =
    (header: DatasetHeader, ...texts: string[]) =>
    () =>
      checkColumnOverrides(header, texts.map(parseColumnOverride), (i) => `--column ${texts[i]}`);

  it('accepts patterns that reach a numeric column, or text with exact', () => {
    expect(check(table, '*Charge=exact', 'H1_*=abs=0.5', 'label=exact', '*=pwrel=1e-3')).not.toThrow();
  });

  it('refuses a pattern that matches nothing, a lossy bound on text only, and any on a field', () => {
    expect(check(table, 'H1_PX=abs=1', 'Charge*=exact')).toThrow(
      /^--column Charge\*=exact: Charge\* matches no column; columns are: H1_Charge, H1_PX, label$/,
    );
    expect(check(table, 'label=abs=1')).toThrow(
      /label matches only text \(label\), which is always stored exactly/,
    );
    const field: DatasetHeader = { kind: 'field', dtype: 'float32', rowShape: [4], attributes: {} };
    expect(check(field, 'x=exact')).toThrow(/per-column bounds apply to tables/);
    expect(check(field)).not.toThrow();
  });
});
