import { describe, expect, it } from 'vitest';
import { boundAt, describeBoundFor, summarize } from './stats.ts';

describe('summary statistics', () => {
  it('leaves non-finite values out and stays exact on a large offset', () => {
    const values = Float64Array.of(1e9 + 1, 1e9 + 2, 1e9 + 3, Number.NaN, Number.POSITIVE_INFINITY);
    expect(summarize(values)).toEqual({
      count: 3,
      nonFinite: 2,
      min: 1e9 + 1,
      max: 1e9 + 3,
      mean: 1e9 + 2,
      std: Math.sqrt(2 / 3),
    });
    expect(summarize(Float32Array.of(Number.NaN)).count).toBe(0);
  });

  it('says how far an original may be from a decoded value, for every kind of bound', () => {
    expect(boundAt({ kind: 'abs', value: 0.01 }, 5)).toBe(0.01);
    expect(boundAt({ kind: 'rel', value: 1e-3, absolute: 0.2 }, 5)).toBe(0.2);
    expect(boundAt({ kind: 'lossless' }, 5)).toBe(0);
    // |x̂ − x| ≤ e·|x|: from x̂ = 1000 at e = 0.5, x can be as far as 2000, 1000 away.
    expect(boundAt({ kind: 'pwrel', value: 0.5 }, 1000)).toBe(1000);
    const summary = summarize(Float64Array.of(-300, 100));
    expect(describeBoundFor({ kind: 'pwrel', value: 1e-3 }, summary)).toContain('up to ±0.3003 here');
  });
});
