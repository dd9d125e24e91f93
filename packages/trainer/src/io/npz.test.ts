import type { Field, Table } from '@baler/format';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { serializeNpy } from './npy.ts';
import { parseNpz, serializeNpz } from './npz.ts';
import { expectSameBits, float32EdgeValues, float64EdgeValues, integerEdgeValues } from './test-support.ts';

function table(columns: Table['columns']): Table {
  return { kind: 'table', rowCount: columns[0]?.data.length ?? 0, columns, attributes: {} };
}

describe('serializeNpz / parseNpz', () => {
  it('round-trips a table in the original Baler layout (data + names), values bit for bit', () => {
    const a = float64EdgeValues();
    const b = a.map((x) => x * 2);
    const original = table([
      { name: 'B_FlightDistance', dtype: 'float64', data: a },
      { name: 'H1_PX', dtype: 'float64', data: b },
    ]);
    const bytes = serializeNpz(original, 'out.npz');
    expect(Object.keys(unzipSync(bytes)).sort()).toEqual(['data.npy', 'names.npy']);
    const read = parseNpz(bytes, 'out.npz') as Table;
    expect(read.kind).toBe('table');
    expect(read.rowCount).toBe(a.length);
    expect(read.columns.map((c) => c.name)).toEqual(['B_FlightDistance', 'H1_PX']);
    expectSameBits(read.columns[0]!.data as Float64Array, a);
    expectSameBits(read.columns[1]!.data as Float64Array, b);
  });

  it('round-trips integer tables and float32 fields', () => {
    const ints = integerEdgeValues('int64');
    const read = parseNpz(
      serializeNpz(table([{ name: 'id', dtype: 'int64', data: ints }]), 'x.npz'),
      'x.npz',
    ) as Table;
    expectSameBits(read.columns[0]!.data as BigInt64Array, ints);

    const values = float32EdgeValues();
    const field: Field = {
      kind: 'field',
      shape: [2, values.length / 2],
      dtype: 'float32',
      data: values,
      attributes: {},
    };
    const readField = parseNpz(serializeNpz(field, 'f.npz'), 'f.npz') as Field;
    expect(readField.kind).toBe('field');
    expect(readField.shape).toEqual(field.shape);
    expectSameBits(readField.data, values);
  });

  it('refuses tables whose columns do not share one numeric dtype', () => {
    const mixed = table([
      { name: 'a', dtype: 'float64', data: Float64Array.of(1) },
      { name: 'b', dtype: 'int32', data: Int32Array.of(1) },
    ]);
    expect(() => serializeNpz(mixed, 'o.npz')).toThrow(/o\.npz: .*a: float64, b: int32.*\.csv/);
    const text = table([{ name: 'label', dtype: 'string', data: ['x'] }]);
    expect(() => serializeNpz(text, 'o.npz')).toThrow(/"label" holds text.*\.csv/);
  });
});

describe('parseNpz of other .npz files', () => {
  const x = serializeNpy(Float64Array.of(1, 2), [2]);
  const y = serializeNpy(Int32Array.of(7), [1]);

  it('uses the only array of a one-array file', () => {
    const field = parseNpz(zipSync({ 'arr_0.npy': x }), 'a.npz') as Field;
    expect(Array.from(field.data as Float64Array)).toEqual([1, 2]);
  });

  it('reads deflated members', () => {
    const field = parseNpz(zipSync({ 'x.npy': x }, { level: 9 }), 'a.npz') as Field;
    expect(Array.from(field.data as Float64Array)).toEqual([1, 2]);
  });

  it('picks an array by key, and lists the keys when the choice is missing or wrong', () => {
    const bytes = zipSync({ 'x.npy': x, 'y.npy': y });
    expect(Array.from((parseNpz(bytes, 'a.npz', 'y') as Field).data as Int32Array)).toEqual([7]);
    expect(() => parseNpz(bytes, 'a.npz')).toThrow('a.npz: holds 2 arrays (x, y). Pick one as a.npz:x.');
    expect(() => parseNpz(bytes, 'a.npz', 'z')).toThrow('a.npz: no array "z". Arrays in this file: x, y.');
  });

  it('reads Baler layout names of the wrong length as an error pointing at :data', () => {
    const bytes = zipSync({
      'data.npy': serializeNpy(new Float64Array(6), [2, 3]),
      'names.npy': serializeNpy(['a'], [1]),
    });
    expect(() => parseNpz(bytes, 'a.npz')).toThrow(/does not name the columns.*a\.npz:data/);
    expect((parseNpz(bytes, 'a.npz', 'data') as Field).shape).toEqual([2, 3]);
  });

  it('explains a file that is not a zip', () => {
    expect(() => parseNpz(new TextEncoder().encode('hello'), 'a.npz')).toThrow(
      /a\.npz: is not a readable \.npz/,
    );
  });
});
