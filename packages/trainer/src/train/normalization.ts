// Per-column normalization chosen from the data, so that every feature reaches the network on a
// comparable scale and no heavy tail dominates the loss. Chosen once from the training data and stored
// with the model (normalization.json): compression and decoding apply exactly the same transform.
//
//   robust      (x − median) / IQR                              ordinary columns
//   log         y = ln(x + offset), then robust on y            heavy-tailed, never negative (χ², IP χ²)
//   signed-log  y = asinh(x / ref), then robust on y            heavy-tailed, both signs
//   discrete    (x − mid-range) / half-range                    few distinct integers (charges, flags)
//
// A table gets one transform per column; a field gets one transform for all its values, since its
// features are positions of one quantity. Non-finite values (NaN, ±Inf) normalize to 0: the model never
// sees them, and compression keeps them exact on its own.

import { DISCRETE_MAX_DISTINCT } from '../compress/plan.ts';
import type { TrainingMatrix } from './matrix.ts';

export type TransformKind = 'robust' | 'log' | 'signed-log' | 'discrete';

export interface ColumnTransform {
  kind: TransformKind;
  /** `log`: y = ln(x + offset). */
  offset?: number;
  /** `signed-log`: y = asinh(x / ref). */
  ref?: number;
  /** Subtracted after the kind's own mapping. */
  center: number;
  /** Divided by after subtracting the centre; never 0. */
  scale: number;
}

export interface Normalization {
  version: 1;
  /** `columns`: transforms[j] applies to feature j. `field`: transforms[0] applies to every value. */
  layout: 'columns' | 'field';
  /** Column names (tables), to check that data to compress has the columns the model was trained on. */
  names: string[];
  transforms: ColumnTransform[];
}

/** A tail this many IQRs beyond the quartiles makes a column heavy-tailed (a Gaussian's is about 2). */
export const HEAVY_TAIL_IQRS = 20;
/** Statistics are computed on at most this many values per column (an even stride through the data). */
const MAX_SAMPLE = 1 << 20;

/** Chooses the normalization for the matrix: per column for a table, one for all values of a field. */
export function fitNormalization(matrix: TrainingMatrix): Normalization {
  if (matrix.kind === 'field') {
    return {
      version: 1,
      layout: 'field',
      names: [],
      transforms: [chooseTransform(sampleValues(matrix.values, 0, 1, matrix.values.length))],
    };
  }
  const transforms: ColumnTransform[] = [];
  for (let j = 0; j < matrix.features; j++) {
    transforms.push(chooseTransform(sampleValues(matrix.values, j, matrix.features, matrix.rows)));
  }
  return { version: 1, layout: 'columns', names: [...matrix.names], transforms };
}

/** Chooses one column's transform from its values (any order). */
export function chooseTransform(values: Float64Array): ColumnTransform {
  const finite = values.filter(Number.isFinite).sort();
  if (finite.length === 0) return { kind: 'robust', center: 0, scale: 1 };
  const min = finite[0]!;
  const max = finite[finite.length - 1]!;
  if (isDiscrete(finite)) {
    return { kind: 'discrete', center: (min + max) / 2, scale: max > min ? (max - min) / 2 : 1 };
  }
  const q1 = quantile(finite, 0.25);
  const q3 = quantile(finite, 0.75);
  const iqr = q3 - q1;
  const tail = iqr > 0 ? Math.max(max - q3, q1 - min) / iqr : 0;
  if (tail > HEAVY_TAIL_IQRS) {
    if (min >= 0) {
      // The offset keeps ln finite at 0 and sets where the log scale starts: at the small values
      // (5th percentile of the positive ones), so that they stay resolved too.
      const positive = finite.filter((v) => v > 0);
      const offset = positive.length > 0 ? quantile(positive, 0.05) : 1;
      return robustOn({ kind: 'log', offset }, finite);
    }
    const magnitudes = finite.map(Math.abs).sort();
    const typical = quantile(magnitudes, 0.5);
    const ref = typical > 0 ? typical : magnitudes.reduce((a, b) => a + b, 0) / magnitudes.length || 1;
    return robustOn({ kind: 'signed-log', ref }, finite);
  }
  return robustOn({ kind: 'robust' }, finite);
}

/** Normalizes rows × features values (row-major) into float32 for the network. */
export function normalize(
  normalization: Normalization,
  values: Float64Array,
  features: number,
): Float32Array {
  checkFeatures(normalization, features);
  const out = new Float32Array(values.length);
  for (let j = 0; j < features; j++) {
    const t = transformFor(normalization, j);
    for (let k = j; k < values.length; k += features) {
      const y = (forward(t, values[k]!) - t.center) / t.scale;
      out[k] = Number.isFinite(y) ? y : 0;
    }
  }
  return out;
}

/** Maps network outputs back to the data's units: the inverse of {@link normalize}. */
export function denormalize(
  normalization: Normalization,
  values: Float32Array,
  features: number,
): Float64Array {
  checkFeatures(normalization, features);
  const out = new Float64Array(values.length);
  for (let j = 0; j < features; j++) {
    const t = transformFor(normalization, j);
    for (let k = j; k < values.length; k += features) out[k] = inverse(t, values[k]! * t.scale + t.center);
  }
  return out;
}

/** One line per column, for logs and `baler train` output: `IPChi2: log (offset 1.2)`. */
export function describeNormalization(normalization: Normalization): string[] {
  return normalization.transforms.map((t, j) => {
    const name = normalization.layout === 'field' ? 'all values' : (normalization.names[j] ?? `column ${j}`);
    const extra =
      t.kind === 'log'
        ? ` (offset ${t.offset?.toPrecision(3)})`
        : t.kind === 'signed-log'
          ? ` (ref ${t.ref?.toPrecision(3)})`
          : '';
    return `${name}: ${t.kind}${extra}`;
  });
}

function forward(t: ColumnTransform, x: number): number {
  switch (t.kind) {
    case 'log':
      return Math.log(x + t.offset!);
    case 'signed-log':
      return Math.asinh(x / t.ref!);
    default:
      return x;
  }
}

function inverse(t: ColumnTransform, y: number): number {
  switch (t.kind) {
    case 'log':
      return Math.exp(y) - t.offset!;
    case 'signed-log':
      return Math.sinh(y) * t.ref!;
    default:
      return y;
  }
}

function robustOn(
  base: Omit<ColumnTransform, 'center' | 'scale'>,
  sortedFinite: Float64Array,
): ColumnTransform {
  const partial = { ...base, center: 0, scale: 1 };
  const mapped = sortedFinite
    .map((x) => forward(partial, x))
    .filter(Number.isFinite)
    .sort();
  if (mapped.length === 0) return partial;
  const center = quantile(mapped, 0.5);
  const iqr = quantile(mapped, 0.75) - quantile(mapped, 0.25);
  // A column that is mostly one value has IQR 0: fall back to its standard deviation, then to 1.
  const scale = iqr > 0 ? iqr : standardDeviation(mapped) || 1;
  return { ...base, center, scale };
}

function isDiscrete(sorted: Float64Array): boolean {
  let distinct = 1;
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isInteger(sorted[i]!)) return false;
    if (i > 0 && sorted[i] !== sorted[i - 1] && ++distinct > DISCRETE_MAX_DISTINCT) return false;
  }
  return distinct > 1;
}

/** Linear interpolation between order statistics (numpy's default). */
function quantile(sorted: Float64Array, q: number): number {
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.min(low + 1, sorted.length - 1);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low);
}

function standardDeviation(values: Float64Array): number {
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let sum = 0;
  for (const v of values) sum += (v - mean) ** 2;
  return Math.sqrt(sum / values.length);
}

function sampleValues(values: Float64Array, start: number, stride: number, count: number): Float64Array {
  const step = Math.max(1, Math.ceil(count / MAX_SAMPLE));
  const out = new Float64Array(Math.ceil(count / step));
  for (let i = 0, k = 0; i < count; i += step) out[k++] = values[start + i * stride]!;
  return out;
}

function transformFor(normalization: Normalization, feature: number): ColumnTransform {
  return normalization.layout === 'field' ? normalization.transforms[0]! : normalization.transforms[feature]!;
}

function checkFeatures(normalization: Normalization, features: number): void {
  if (normalization.layout === 'columns' && normalization.transforms.length !== features) {
    throw new RangeError(
      `the normalization has ${normalization.transforms.length} columns but the data has ${features}`,
    );
  }
}
