// The canonical 2^y of the log-domain quantizer (SPEC.md §7.2). Math.pow and Math.exp are not correctly
// rounded and differ between JavaScript engines; this one uses only IEEE-754 double +, −, × in a fixed
// order, so every conforming decoder, in any language without fused multiply-add, gets the same bits.

const SCALE = new DataView(new ArrayBuffer(8));

/**
 * Coefficients of 2^f on f ∈ [−0.5, 0.5]: Taylor series of e^(f·ln2), 14 terms (error < 1e-17 relative),
 * c_0 = 1, c_k = (c_{k−1} × ln 2) / k in binary64 (SPEC.md §7.2.2). Exported for the test that checks the
 * literals in canonicalExp2 against this construction.
 */
export const EXP2_COEFFICIENTS = (() => {
  const c: number[] = [1];
  for (let k = 1; k < 14; k++) c.push((c[k - 1]! * Math.LN2) / k);
  return Float64Array.from(c);
})();

/**
 * 2^y for |y| ≤ 1000, deterministic to the bit. The integer part n = round(y) scales by an exact power of
 * two built from its bits; the fraction f = y − n ∈ [−0.5, 0.5] goes through a fixed Horner polynomial.
 */
export function canonicalExp2(y: number): number {
  const n = Math.round(y);
  const f = y - n;
  // Horner's rule, unrolled, with EXP2_COEFFICIENTS as literals (each prints back to the same binary64):
  // bundlers turn module-level constants into mutable vars, which V8 must reload on every step (~20 %
  // slower log-domain decoding).
  let p = 1.3691488853904124e-12;
  p = p * f + 2.56784359934882e-11;
  p = p * f + 4.4455382718708106e-10;
  p = p * f + 7.054911620801122e-9;
  p = p * f + 1.0178086009239699e-7;
  p = p * f + 0.0000013215486790144307;
  p = p * f + 0.00001525273380405984;
  p = p * f + 0.0001540353039338161;
  p = p * f + 0.0013333558146428443;
  p = p * f + 0.009618129107628477;
  p = p * f + 0.055504108664821576;
  p = p * f + 0.2402265069591007;
  p = p * f + Math.LN2; // c_1 = (1 × ln 2) / 1 = ln 2 exactly
  p = p * f + 1;
  // The exact powers of two, looked up rather than assembled from bits for every value.
  const scale = n >= -1074 && n <= 1023 ? POWERS_OF_TWO[n + 1074]! : powerOfTwo(n);
  return p * scale;
}

/** 2^n for n = −1074 … 1023, each built exactly from its bits. */
const POWERS_OF_TWO = Float64Array.from({ length: 1023 + 1074 + 1 }, (_, i) => powerOfTwo(i - 1074));

/** 2^n exactly, for integers −1074 ≤ n ≤ 1023 (0 below, Infinity above). */
function powerOfTwo(n: number): number {
  if (n > 1023) return Number.POSITIVE_INFINITY;
  if (n >= -1022) {
    SCALE.setUint32(0, (n + 1023) << 20);
    SCALE.setUint32(4, 0);
    return SCALE.getFloat64(0);
  }
  if (n < -1074) return 0;
  SCALE.setUint32(0, 0);
  SCALE.setUint32(4, 0);
  // Subnormal: set the single mantissa bit of 2^n.
  const bit = n + 1074; // 0..51
  if (bit >= 32) SCALE.setUint32(0, 1 << (bit - 32));
  else SCALE.setUint32(4, 2 ** bit);
  return SCALE.getFloat64(0);
}
