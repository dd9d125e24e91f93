// The check behind every promised bound: each decoded value against its original. Non-finite values and
// −0 must come back bit for bit; every other value within |x̂ − x| ≤ absolute + relative·|x|.
import type { NumericArray } from '../dataset.ts';
import type { Tolerance } from './stream-codec.ts';

export interface BoundCheck {
  /** Index of the first value that breaks the bound, or −1. */
  firstViolation: number;
  maxAbsoluteError: number;
  /** max |x̂ − x| / |x| over non-zero x. */
  maxRelativeError: number;
}

export function checkBound(original: NumericArray, decoded: NumericArray, tolerance: Tolerance): BoundCheck {
  const x = original as Float64Array;
  const y = decoded as Float64Array;
  let firstViolation = original.length === decoded.length ? -1 : 0;
  let maxAbsoluteError = 0;
  let maxRelativeError = 0;
  const n = Math.min(original.length, decoded.length);
  const { absolute, relative } = tolerance;
  for (let i = 0; i < n; i++) {
    const a = Number(x[i]);
    const b = Number(y[i]);
    let ok: boolean;
    if (!Number.isFinite(a) || (a === 0 && Object.is(a, -0))) {
      ok = Number.isNaN(a) ? sameNaN(original, decoded, i) : Object.is(a, b);
    } else {
      const error = Math.abs(b - a);
      const magnitude = Math.abs(a);
      ok = error <= absolute + relative * magnitude;
      if (error > maxAbsoluteError) maxAbsoluteError = error;
      // Divides only when the maximum may grow: a division per value costs more than the rest.
      if (error > maxRelativeError * magnitude && a !== 0 && error / magnitude > maxRelativeError)
        maxRelativeError = error / magnitude;
    }
    if (!ok && firstViolation < 0) firstViolation = i;
  }
  return { firstViolation, maxAbsoluteError, maxRelativeError };
}

/** NaN payloads compared through the raw bytes, since NaN !== NaN and Object.is ignores the payload. */
function sameNaN(a: NumericArray, b: NumericArray, i: number): boolean {
  if (a.BYTES_PER_ELEMENT !== b.BYTES_PER_ELEMENT) return false;
  const w = a.BYTES_PER_ELEMENT;
  const ab = new Uint8Array(a.buffer, a.byteOffset + i * w, w);
  const bb = new Uint8Array(b.buffer, b.byteOffset + i * w, w);
  for (let k = 0; k < w; k++) if (ab[k] !== bb[k]) return false;
  return true;
}
