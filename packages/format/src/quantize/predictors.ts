// Predictors of the quantized method (SPEC.md §7.2): each predicts a value from values already decoded
// in the same chunk, in C order, using the reconstructed working values (never the originals), so that
// the encoder and every decoder compute the same prediction, bit for bit, with double arithmetic in the
// order written here.
import { formatErrors } from '../errors.ts';

export type PredictorSpec =
  /** A constant: the centre of the column's working values. */
  | { name: 'constant'; value: number }
  /** The N-D Lorenzo predictor over the axes whose index is > 0 (the sum of the corner of the unit cube). */
  | { name: 'lorenzo' }
  /** Learned weights over causal neighbours (offsets per axis); Lorenzo wherever a neighbour is outside. */
  | { name: 'stencil'; offsets: number[][]; weights: number[] };

/** Walks a block in C order, computing each prediction from the working values before it. */
export interface BlockPredictor {
  /** Prediction for flat index i; `index` is i's multi-index. */
  predict(working: Float64Array, i: number, index: Int32Array): number;
}

export function validatePredictor(spec: unknown, rank: number, path: string): PredictorSpec {
  const p = spec as PredictorSpec;
  const fail = (reason: string): never => {
    throw formatErrors.malformedMetadata(path, reason);
  };
  if (typeof p !== 'object' || p === null) fail('must be an object');
  if (p.name === 'constant') {
    if (typeof p.value !== 'number' || !Number.isFinite(p.value)) fail('constant needs a finite value');
    return p;
  }
  if (p.name === 'lorenzo') return p;
  if (p.name === 'stencil') {
    if (
      !Array.isArray(p.offsets) ||
      !Array.isArray(p.weights) ||
      p.offsets.length !== p.weights.length ||
      p.offsets.length > 64
    ) {
      fail('stencil needs offsets and weights of equal length (at most 64)');
    }
    p.offsets.forEach((offset) => {
      if (
        !Array.isArray(offset) ||
        offset.length !== rank ||
        !offset.every((o) => Number.isInteger(o) && Math.abs(o) <= 8)
      ) {
        fail(`each stencil offset needs ${rank} integers within ±8`);
      }
      if (!isCausal(offset)) fail(`stencil offset [${offset}] is not before the predicted value in C order`);
    });
    if (!p.weights.every((w) => typeof w === 'number' && Number.isFinite(w)))
      fail('stencil weights must be finite numbers');
    return p;
  }
  return fail(`unknown predictor ${JSON.stringify((p as { name?: unknown }).name)}`);
}

/** An offset is causal when its first non-zero component is negative. */
function isCausal(offset: number[]): boolean {
  for (const o of offset) {
    if (o < 0) return true;
    if (o > 0) return false;
  }
  return false;
}

export function createPredictor(spec: PredictorSpec, shape: readonly number[]): BlockPredictor {
  if (spec.name === 'constant') {
    const value = spec.value;
    return { predict: () => value };
  }
  const lorenzo = lorenzoPredictor(shape);
  if (spec.name === 'lorenzo') return lorenzo;
  const rank = shape.length;
  const strides = stridesOf(shape);
  const offsets = Int32Array.from(spec.offsets, (o) => o.reduce((n, v, d) => n + v * strides[d]!, 0));
  const weights = Float64Array.from(spec.weights);
  const low = new Int32Array(rank);
  const high = new Int32Array(rank);
  for (let d = 0; d < rank; d++) {
    low[d] = Math.max(0, ...spec.offsets.map((o) => -o[d]!));
    high[d] = shape[d]! - Math.max(0, ...spec.offsets.map((o) => o[d]!));
  }
  const taps = offsets.length;
  return {
    predict(working, i, index) {
      for (let d = 0; d < rank; d++) {
        const v = index[d]!;
        if (v < low[d]! || v >= high[d]!) return lorenzo.predict(working, i, index);
      }
      let sum = 0;
      for (let k = 0; k < taps; k++) sum += weights[k]! * working[i + offsets[k]!]!;
      return sum;
    },
  };
}

/** Lorenzo: for the set A of axes with index > 0, Σ over non-empty S ⊆ A of (−1)^(|S|+1) · x[i − Σ_{d∈S} e_d]. */
function lorenzoPredictor(shape: readonly number[]): BlockPredictor {
  const rank = shape.length;
  if (rank > 16) throw formatErrors.unsupported('Lorenzo predictor rank', String(rank));
  const strides = stridesOf(shape);
  // For each availability mask, the flat offsets and signs of its terms, in increasing subset order.
  const terms: { offsets: Int32Array; signs: Float64Array }[] = [];
  for (let mask = 0; mask < 1 << rank; mask++) {
    const offsets: number[] = [];
    const signs: number[] = [];
    for (let subset = 1; subset < 1 << rank; subset++) {
      if ((subset & mask) !== subset) continue;
      let offset = 0;
      let bits = 0;
      for (let d = 0; d < rank; d++) {
        if (subset & (1 << (rank - 1 - d))) {
          offset += strides[d]!;
          bits++;
        }
      }
      offsets.push(-offset);
      signs.push(bits % 2 === 1 ? 1 : -1);
    }
    terms.push({ offsets: Int32Array.from(offsets), signs: Float64Array.from(signs) });
  }
  return {
    predict(working, i, index) {
      let mask = 0;
      for (let d = 0; d < rank; d++) mask = (mask << 1) | (index[d]! > 0 ? 1 : 0);
      const { offsets, signs } = terms[mask]!;
      let sum = 0;
      for (let k = 0; k < offsets.length; k++) sum += signs[k]! * working[i + offsets[k]!]!;
      return sum;
    },
  };
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}
