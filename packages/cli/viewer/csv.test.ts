import { describe, expect, it } from 'vitest';
import { fieldToCsv, tableToCsv } from './csv.ts';

describe('CSV writing', () => {
  it('prints float32 values in their shortest form, quotes text, keeps float64 exact', () => {
    const csv = tableToCsv({
      kind: 'table',
      rowCount: 2,
      columns: [
        { name: 'x', dtype: 'float32', data: Float32Array.of(0.1, 1 / 3) },
        { name: 'y,z', dtype: 'float64', data: Float64Array.of(0.1 + 0.2, -0) },
        { name: 'note', dtype: 'string', data: ['say "hi"', 'plain'] },
        { name: 'n', dtype: 'int64', data: BigInt64Array.of(-(2n ** 60n), 3n) },
      ],
      attributes: {},
    });
    expect(csv).toBe(
      `x,"y,z",note,n\n0.1,0.30000000000000004,"say ""hi""",-1152921504606846976\n0.33333334,0,plain,3\n`,
    );
    expect(Math.fround(0.33333334)).toBe(Math.fround(1 / 3));
  });

  it('writes a field block in long form, axis 0 counted from the block’s first frame', () => {
    const csv = fieldToCsv(Float64Array.of(1, 2, 3, 4), [1, 2, 2], 5);
    expect(csv).toBe('i0,i1,i2,value\n5,0,0,1\n5,0,1,2\n5,1,0,3\n5,1,1,4\n');
    expect(fieldToCsv(Int32Array.of(9, 8), [2], 0)).toBe('i0,value\n0,9\n1,8\n');
  });
});
