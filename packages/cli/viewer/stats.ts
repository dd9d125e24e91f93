// Summary statistics of decoded values, and how far the originals may lie from them: the viewer only has
// the decoded data, so every figure it shows comes with the file's error bound. (Histograms: plot/stats.ts.)
import type { ErrorBound, NumericArray } from '@baler/format';

export interface Summary {
  count: number;
  /** Values that are NaN or ±Inf (stored exactly, left out of the other figures). */
  nonFinite: number;
  min: number;
  max: number;
  mean: number;
  std: number;
}

export function summarize(values: NumericArray): Summary {
  let count = 0;
  let nonFinite = 0;
  let min = Infinity;
  let max = -Infinity;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = Number(values[i]!);
    if (!Number.isFinite(x)) {
      nonFinite++;
      continue;
    }
    count++;
    if (x < min) min = x;
    if (x > max) max = x;
    // Welford's update: one pass, no cancellation on large offsets such as momenta in MeV.
    const delta = x - mean;
    mean += delta / count;
    m2 += delta * (x - mean);
  }
  if (count === 0) return { count, nonFinite, min: NaN, max: NaN, mean: NaN, std: NaN };
  return { count, nonFinite, min, max, mean, std: Math.sqrt(m2 / count) };
}

/** The most an original value may differ from a decoded value `x` under `bound`. */
export function boundAt(bound: ErrorBound, x: number): number {
  switch (bound.kind) {
    case 'lossless':
      return 0;
    case 'abs':
      return bound.value;
    case 'rel':
      return bound.absolute;
    case 'pwrel':
      // |x̂ − x| ≤ e·|x| means |x| ≤ |x̂| / (1 − e): the widest the original can be, seen from x̂.
      return (bound.value * Math.abs(x)) / Math.max(1e-300, 1 - bound.value);
  }
}

/** One line that says what the bound means for these values, in their own units. */
export function describeBoundFor(bound: ErrorBound, summary: Summary): string {
  switch (bound.kind) {
    case 'lossless':
      return 'lossless: every value is the original, bit for bit';
    case 'abs':
      return `every original within ±${format(bound.value)} of the value shown`;
    case 'rel':
      return `rel=${bound.value}: every original within ±${format(bound.absolute)} of the value shown`;
    case 'pwrel': {
      const widest = Math.max(Math.abs(summary.min), Math.abs(summary.max));
      return `pwrel=${bound.value}: every original within ±${bound.value}·|value| (up to ±${format(boundAt(bound, widest))} here)`;
    }
  }
}

/** Four significant digits, exponent notation for very large or small magnitudes. */
export function format(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const magnitude = Math.abs(x);
  return magnitude >= 1e5 || magnitude < 1e-3 ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}
