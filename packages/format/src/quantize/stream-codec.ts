// The quantized method's core (SPEC.md §7.2): predict each value from decoded neighbours, quantize the
// prediction error to the bound, entropy-code the integers. Encoder and decoder share `reconstruct` and
// the predictors, so the values the encoder verifies are the values every decoder computes.
import type { NumericArray, NumericDType } from '../dataset.ts';
import { allocateArray } from '../dataset.ts';
import { SignedIntegerModel } from '../entropy/integer-model.ts';
import { createBitStates, RangeDecoder, RangeEncoder } from '../entropy/range-coder.ts';
import { formatErrors } from '../errors.ts';
import type { Exceptions } from './exceptions.ts';
import { canonicalExp2 } from './exp2.ts';
import type { PredictorSpec } from './predictors.ts';
import { createPredictor, stridesOf } from './predictors.ts';

export interface QuantizerParams {
  /** `linear`: values are quantized as they are; `log`: log2|x| is, with sign and zero coded apart. */
  domain: 'linear' | 'log';
  /** Quantization step in the working domain. */
  step: number;
  predictor: PredictorSpec;
}

/** What each value may deviate: |x̂ − x| ≤ absolute + relative·|x|. */
export interface Tolerance {
  absolute: number;
  relative: number;
}

export interface EncodedStream {
  residuals: Uint8Array;
  exceptions: Exceptions;
}

/** Largest quantization index stored; beyond it the value is an exception. */
const MAX_INDEX = 2 ** 30;
/** Context buckets for the sum of the neighbours' |q| (SPEC.md §7.2.3). */
const CONTEXT_OF_SUM = Uint8Array.from({ length: 16 }, (_, s) =>
  s < 5 ? s : s < 7 ? 5 : s < 10 ? 6 : s < 15 ? 7 : 8,
);
export const CONTEXTS = 9;
const ZERO_STATE = 0;
const SIGN_STATE = 1;

/** The output value for working value `w` (§7.2.2): cast to the dtype after undoing the domain. */
export function reconstruct(
  w: number,
  negative: boolean,
  params: QuantizerParams,
  cast: (v: number) => number,
): number {
  if (params.domain === 'linear') return cast(w);
  const magnitude = canonicalExp2(w);
  return cast(negative ? -magnitude : magnitude);
}

export function castFor(dtype: NumericDType): (v: number) => number {
  switch (dtype) {
    case 'float64':
      return (v) => v;
    case 'float32':
      return Math.fround;
    case 'int8':
      return integerCast(-128, 127);
    case 'uint8':
      return integerCast(0, 255);
    case 'int16':
      return integerCast(-32768, 32767);
    case 'uint16':
      return integerCast(0, 65535);
    case 'int32':
      return integerCast(-(2 ** 31), 2 ** 31 - 1);
    case 'uint32':
      return integerCast(0, 2 ** 32 - 1);
    default:
      throw formatErrors.unsupported('quantized dtype', dtype);
  }
}

function integerCast(min: number, max: number): (v: number) => number {
  return (v) => (v < min ? min : v > max ? max : Math.round(v));
}

export function encodeQuantizedStream(
  values: NumericArray,
  shape: readonly number[],
  dtype: NumericDType,
  params: QuantizerParams,
  tolerance: Tolerance,
): EncodedStream {
  const n = values.length;
  const cast = castFor(dtype);
  const predictor = createPredictor(params.predictor, shape);
  const strides = stridesOf(shape);
  const rank = shape.length;
  const working = new Float64Array(n);
  const magnitudes = new Int32Array(n);
  const index = new Int32Array(rank);
  const encoder = new RangeEncoder(Math.max(1024, n >> 2));
  const model = new SignedIntegerModel(CONTEXTS);
  const bits = createBitStates(2);
  const exceptionPositions: number[] = [];
  const { step } = params;
  const log = params.domain === 'log';
  const input = values as Float64Array;

  for (let i = 0; i < n; i++) {
    const x = Number(input[i]);
    const prediction = predictor.predict(working, i, index);
    const context = neighbourContext(magnitudes, i, index, strides);
    advance(index, shape);

    const allowed = tolerance.absolute + tolerance.relative * Math.abs(x);
    let exception = !Number.isFinite(x) || Object.is(x, -0);
    let q = 0;
    let w = prediction;
    if (!exception && log && x === 0) {
      encoder.encodeBit(bits, ZERO_STATE, 1);
      working[i] = prediction;
      continue;
    }
    if (!exception) {
      const target = log ? Math.log2(Math.abs(x)) : x;
      q = Math.round((target - prediction) / step);
      exception = true;
      // The nearest index first, then its neighbours: floating-point rounding can push the nearest one
      // just past the bound, never both of its neighbours.
      for (const candidate of [q, q + 1, q - 1]) {
        if (Math.abs(candidate) > MAX_INDEX) continue;
        const wc = prediction + candidate * step;
        const out = reconstruct(wc, x < 0, params, cast);
        if (Math.abs(out - x) <= allowed) {
          q = candidate;
          w = wc;
          exception = false;
          break;
        }
      }
    }
    if (exception) {
      exceptionPositions.push(i);
      working[i] = prediction;
      continue;
    }
    if (log) {
      encoder.encodeBit(bits, ZERO_STATE, 0);
      encoder.encodeBit(bits, SIGN_STATE, x < 0 ? 1 : 0);
    }
    model.encode(encoder, q, context);
    working[i] = w;
    magnitudes[i] = q < 0 ? -q : q;
  }
  const positions = Uint32Array.from(exceptionPositions);
  const exceptionValues = allocateArray(dtype, positions.length);
  for (let k = 0; k < positions.length; k++) (exceptionValues as Float64Array)[k] = input[positions[k]!]!;
  return { residuals: encoder.finish(), exceptions: { positions, values: exceptionValues } };
}

export function decodeQuantizedStream(
  residuals: Uint8Array,
  exceptions: Exceptions,
  shape: readonly number[],
  dtype: NumericDType,
  params: QuantizerParams,
  label: string,
): NumericArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const cast = castFor(dtype);
  const predictor = createPredictor(params.predictor, shape);
  const strides = stridesOf(shape);
  const rank = shape.length;
  const working = new Float64Array(n);
  const magnitudes = new Int32Array(n);
  const index = new Int32Array(rank);
  const decoder = new RangeDecoder(residuals);
  const model = new SignedIntegerModel(CONTEXTS);
  const bits = createBitStates(2);
  const out = allocateArray(dtype, n) as Float64Array;
  const { step } = params;
  const log = params.domain === 'log';
  const positions = exceptions.positions;
  const exceptionValues = exceptions.values as Float64Array;
  let nextException = 0;
  let nextPosition = positions.length > 0 ? positions[0]! : -1;

  for (let i = 0; i < n; i++) {
    const prediction = predictor.predict(working, i, index);
    const context = neighbourContext(magnitudes, i, index, strides);
    advance(index, shape);
    if (i === nextPosition) {
      working[i] = prediction;
      out[i] = exceptionValues[nextException]!;
      nextException++;
      nextPosition = nextException < positions.length ? positions[nextException]! : -1;
      continue;
    }
    let negative = false;
    if (log) {
      if (decoder.decodeBit(bits, ZERO_STATE) === 1) {
        working[i] = prediction;
        out[i] = 0;
        continue;
      }
      negative = decoder.decodeBit(bits, SIGN_STATE) === 1;
    }
    const q = model.decode(decoder, context);
    const w = prediction + q * step;
    working[i] = w;
    magnitudes[i] = q < 0 ? -q : q;
    out[i] = reconstruct(w, negative, params, cast);
  }
  if (decoder.overrun())
    throw formatErrors.malformedSection(label, 'the residual stream ends before its last value');
  return out;
}

/** The context of value i: the bucketed sum of |q| of its predecessors along each axis (SPEC.md §7.2.3). */
function neighbourContext(
  magnitudes: Int32Array,
  i: number,
  index: Int32Array,
  strides: readonly number[],
): number {
  let sum = 0;
  for (let d = 0; d < index.length; d++) if (index[d]! > 0) sum += magnitudes[i - strides[d]!]!;
  return CONTEXT_OF_SUM[Math.min(sum, 15)]!;
}

/** Steps a C-order multi-index forward by one element. */
function advance(index: Int32Array, shape: readonly number[]): void {
  for (let d = index.length - 1; d >= 0; d--) {
    index[d]!++;
    if (index[d]! < shape[d]!) return;
    index[d] = 0;
  }
}
