import { describe, expect, it } from 'vitest';
import {
  copyElements,
  forEachFortranToC,
  fortranToC,
  interleaveColumns,
  splitColumns,
  splitColumnsInto,
} from './reorder.ts';
import { expectSameBits, float32EdgeValues, float64EdgeValues } from './test-support.ts';

describe('splitColumns / interleaveColumns', () => {
  it('are inverses that keep every bit, NaN payloads included', () => {
    for (const values of [float64EdgeValues(), float32EdgeValues(), BigInt64Array.of(-1n, 2n, 3n, 4n)]) {
      const columns = splitColumns(values, 2);
      expect(columns).toHaveLength(2);
      expect(columns[0]!.length).toBe(values.length / 2);
      expectSameBits(interleaveColumns(columns, values.length / 2), values);
    }
  });

  it('splits rows into columns', () => {
    const columns = splitColumns(Int16Array.of(1, 2, 3, 4, 5, 6), 3);
    expect(columns.map((c) => Array.from(c as Int16Array))).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });

  it('writes into existing columns at a row offset', () => {
    const targets = [new Uint8Array(3), new Uint8Array(3)];
    splitColumnsInto(Uint8Array.of(7, 8), targets, 2);
    expect(targets.map((t) => Array.from(t))).toEqual([
      [0, 0, 7],
      [0, 0, 8],
    ]);
  });

  it('handles no columns and no rows', () => {
    expect(splitColumns(new Float64Array(0), 0)).toEqual([]);
    expect(interleaveColumns([], 5)).toEqual(new Float64Array(0));
    expect(splitColumns(new Float64Array(0), 2).map((c) => c.length)).toEqual([0, 0]);
  });
});

describe('fortranToC', () => {
  it('reorders a Fortran-order matrix to C order, bit-exact', () => {
    expect(Array.from(fortranToC(Float64Array.of(1, 4, 2, 5, 3, 6), [2, 3]) as Float64Array)).toEqual([
      1, 2, 3, 4, 5, 6,
    ]);
    const edge = float64EdgeValues();
    // A one-row matrix is the same in both orders.
    expectSameBits(fortranToC(edge, [1, edge.length]), edge);
  });

  it('visits nothing for an empty shape', () => {
    let visits = 0;
    forEachFortranToC([0, 3], () => visits++);
    expect(visits).toBe(0);
  });
});

describe('copyElements', () => {
  it('copies bytes into place at an element offset', () => {
    const target = new Float32Array(4);
    const source = float32EdgeValues().subarray(0, 2);
    copyElements(source, target, 2);
    expectSameBits(target.subarray(2), source);
  });
});
