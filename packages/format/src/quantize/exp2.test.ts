import { describe, expect, it } from 'vitest';
import { seededRandom } from '../testing.ts';
import { canonicalExp2, EXP2_COEFFICIENTS } from './exp2.ts';

/** SPEC.md §7.2.2 as written: the coefficients' construction, Horner from c_13 down, times 2^n. */
function specExp2(y: number): number {
  const n = Math.round(y);
  const f = y - n;
  let t = EXP2_COEFFICIENTS[13]!;
  for (let k = 12; k >= 0; k--) t = t * f + EXP2_COEFFICIENTS[k]!;
  return t * 2 ** n; // exact for the n used here
}

describe('canonicalExp2 (SPEC.md §7.2.2)', () => {
  it('is, bit for bit, the Horner evaluation of the spec’s coefficients, whose literals it inlines', () => {
    const random = seededRandom(21);
    for (let k = 0; k < 20_000; k++) {
      const y = (random() - 0.5) * 2000;
      expect(Object.is(canonicalExp2(y), specExp2(y))).toBe(true);
    }
    expect([canonicalExp2(0), canonicalExp2(1), canonicalExp2(-1), canonicalExp2(10)]).toEqual([
      1, 2, 0.5, 1024,
    ]);
    expect(canonicalExp2(1024.4)).toBe(Number.POSITIVE_INFINITY);
    // The spec's LN2 is the binary64 0x3FE62E42FEFA39EF, which Math.LN2 (used for c_1) must be.
    const ln2 = new DataView(new ArrayBuffer(8));
    ln2.setFloat64(0, Math.LN2);
    expect(ln2.getBigUint64(0)).toBe(0x3fe62e42fefa39efn);
    expect(canonicalExp2(-1100)).toBe(0);
  });
});
