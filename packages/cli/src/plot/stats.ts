// The numbers the diagnostics figures show: relative differences between original and reconstructed
// values with their mean and RMS (as the original Baler's plots annotate them), robust ranges and
// histograms. Plain loops over typed arrays; a 26-column table or a 60-frame field takes milliseconds.

/** Numbers as float64, whatever the column's dtype (64-bit integers included). */
export function toFloat64(data: ArrayLike<number | bigint>): Float64Array {
  if (data instanceof Float64Array) return data;
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]!);
  return out;
}

export interface RelativeDifferenceStats {
  /** (reconstructed − original) / original for every pair with a finite, non-zero original. */
  values: Float64Array;
  mean: number;
  /** Root mean square: sqrt(mean(d²)), not the standard deviation. */
  rms: number;
  maxAbs: number;
  /** Pairs left out because the original is 0 (no relative difference) or either value is not finite. */
  skippedZero: number;
  skippedNonFinite: number;
}

export function relativeDifferenceStats(
  original: Float64Array,
  reconstructed: Float64Array,
): RelativeDifferenceStats {
  if (original.length !== reconstructed.length)
    throw new RangeError(
      `lengths differ: ${original.length} original vs ${reconstructed.length} reconstructed`,
    );
  const values = new Float64Array(original.length);
  let n = 0;
  let sum = 0;
  let sumSquares = 0;
  let maxAbs = 0;
  let skippedZero = 0;
  let skippedNonFinite = 0;
  for (let i = 0; i < original.length; i++) {
    const o = original[i]!;
    const r = reconstructed[i]!;
    if (!(Number.isFinite(o) && Number.isFinite(r))) {
      skippedNonFinite++;
      continue;
    }
    if (o === 0) {
      skippedZero++;
      continue;
    }
    const d = (r - o) / o;
    values[n++] = d;
    sum += d;
    sumSquares += d * d;
    const a = Math.abs(d);
    if (a > maxAbs) maxAbs = a;
  }
  return {
    values: values.subarray(0, n),
    mean: n > 0 ? sum / n : Number.NaN,
    rms: n > 0 ? Math.sqrt(sumSquares / n) : Number.NaN,
    maxAbs: n > 0 ? maxAbs : Number.NaN,
    skippedZero,
    skippedNonFinite,
  };
}

/** The largest |reconstructed − original| over finite pairs (0 when there are none). */
export function maxAbsDifference(original: Float64Array, reconstructed: Float64Array): number {
  let max = 0;
  for (let i = 0; i < original.length; i++) {
    const d = Math.abs(reconstructed[i]! - original[i]!);
    if (d > max) max = d;
  }
  return max;
}

/** [min, max] of the finite values, or null when there are none. */
export function finiteRange(values: ArrayLike<number>): [number, number] | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? [min, max] : null;
}

/**
 * The [q, 1 − q] quantile range of the finite values: where a histogram's bins go, so that a handful of
 * outliers (a relative difference of a tiny original) does not squeeze everything else into one bin.
 */
export function robustRange(values: ArrayLike<number>, q = 0.001): [number, number] | null {
  const finite = Float64Array.from(values).filter(Number.isFinite).sort();
  if (finite.length === 0) return null;
  const at = (p: number) =>
    finite[Math.min(finite.length - 1, Math.max(0, Math.round(p * (finite.length - 1))))]!;
  return [at(q), at(1 - q)];
}

export interface Histogram {
  /** bins + 1 increasing edges. */
  edges: Float64Array;
  counts: Float64Array;
  log: boolean;
  /** Finite values outside the edges, shown as a note rather than dropped silently. */
  below: number;
  above: number;
}

/**
 * Counts the finite values in `bins` equal bins over [lo, hi]: linear, or logarithmic (needs lo > 0) for
 * data spanning decades. An empty range (all values equal) becomes a small one around the value.
 */
export function histogram(
  values: ArrayLike<number>,
  lo: number,
  hi: number,
  bins: number,
  log: boolean,
): Histogram {
  if (!(hi > lo)) {
    const half = lo === 0 ? 0.5 : Math.abs(lo) * 0.01;
    return histogram(values, lo - half, hi + half, bins, false);
  }
  const useLog = log && lo > 0;
  const start = useLog ? Math.log10(lo) : lo;
  const span = (useLog ? Math.log10(hi) : hi) - start;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i <= bins; i++)
    edges[i] = useLog ? 10 ** (start + (i / bins) * span) : start + (i / bins) * span;
  edges[0] = lo;
  edges[bins] = hi;
  const counts = new Float64Array(bins);
  let below = 0;
  let above = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < lo) below++;
    else if (v > hi) above++;
    else {
      const t = ((useLog ? Math.log10(v) : v) - start) / span;
      counts[Math.min(bins - 1, Math.floor(t * bins))]!++;
    }
  }
  return { edges, counts, log: useLog, below, above };
}
