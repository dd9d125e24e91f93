// The quantized method's core (SPEC.md §7.2): predict each value from decoded neighbours, quantize the
// prediction error to the bound, entropy-code the integers. Encoder and decoder share `reconstruct` and
// the predictors, so the values the encoder verifies are the values every decoder computes.
import type { NumericArray, NumericDType } from '../dataset.ts';
import { allocateArray } from '../dataset.ts';
import { SignedIntegerModel } from '../entropy/integer-model.ts';
import { createBitStates, RangeDecoder, RangeEncoder } from '../entropy/range-coder.ts';
import { formatErrors } from '../errors.ts';
import type { DenseNetwork } from '../model/dense-network.ts';
import type { Exceptions } from './exceptions.ts';
import { canonicalExp2 } from './exp2.ts';
import type { PredictorSpec } from './predictors.ts';
import { BlockPredictor, stridesOf } from './predictors.ts';

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

/** What a stream's predictor takes from outside the stream (see StreamLocation in methods.ts). */
export interface PredictorInputs {
  /** For `model` and `block-model` predictors: the prediction of every value. */
  predictions?: Float64Array;
  /** Writer only: how far another engine's prediction of each value may lie (SPEC.md §11.4). */
  slack?: Float64Array;
  /** For a `stencil-network` predictor: the file's network. */
  network?: DenseNetwork;
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
/** Integer contexts: 9 magnitude buckets × 3 sign states; a constant predictor uses context 0 only. */
export const CONTEXTS = 27;
const ZERO_STATE = 0;
const SIGN_STATE = 1;

/**
 * Scratch arrays reused across streams: a chunk's working values and quantization indices are only
 * needed while it is coded, and reusing them keeps a long compression from churning through memory.
 * Safe because coding a stream is synchronous.
 */
let scratchWorking = new Float64Array(0);
let scratchQuantized = new Int32Array(0);

function scratch(n: number): { working: Float64Array; quantized: Int32Array } {
  if (scratchWorking.length < n) {
    scratchWorking = new Float64Array(n);
    scratchQuantized = new Int32Array(n);
  }
  return { working: scratchWorking, quantized: scratchQuantized };
}

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

/**
 * Walks a block's rows (the last axis) in C order and yields, per row, the strides of the axes that have
 * a predecessor — the neighbours whose |q| form the context. Shared by encoder and decoder.
 */
class RowWalk {
  readonly rows: number;
  readonly rowLength: number;
  readonly rowIndex: Int32Array;
  /** Strides of the leading axes with index > 0 in the current row; its first `count` entries are valid. */
  readonly neighbourStrides: Int32Array;
  count = 0;
  private readonly strides: number[];
  private readonly shape: readonly number[];

  constructor(shape: readonly number[]) {
    this.shape = shape;
    const rank = shape.length;
    this.rowLength = rank === 0 ? 1 : shape[rank - 1]!;
    const total = shape.reduce((a, b) => a * b, 1);
    this.rows = this.rowLength === 0 ? 0 : total / this.rowLength;
    this.rowIndex = new Int32Array(Math.max(rank - 1, 0));
    this.neighbourStrides = new Int32Array(Math.max(rank - 1, 0));
    this.strides = stridesOf(shape);
  }

  /** Sets up row `row` (rows are visited in order, starting at 0). */
  enter(row: number): void {
    if (row > 0) {
      for (let d = this.rowIndex.length - 1; d >= 0; d--) {
        this.rowIndex[d]!++;
        if (this.rowIndex[d]! < this.shape[d]!) break;
        this.rowIndex[d] = 0;
      }
    }
    this.count = 0;
    for (let d = 0; d < this.rowIndex.length; d++) {
      if (this.rowIndex[d]! > 0) this.neighbourStrides[this.count++] = this.strides[d]!;
    }
  }
}

/**
 * The context of value i (SPEC.md §7.2 step 2): the bucketed sum of its predecessors' |q| along each
 * axis, times three, plus the sign of the sum of their signs. Residuals of a good predictor cluster in
 * space, in size and in sign.
 */
function contextOf(quantized: Int32Array, i: number, x: number, walk: RowWalk): number {
  let sum = 0;
  let signs = 0;
  if (x > 0) {
    const q = quantized[i - 1]!;
    sum = q < 0 ? -q : q;
    signs = Math.sign(q);
  }
  for (let k = 0; k < walk.count; k++) {
    const q = quantized[i - walk.neighbourStrides[k]!]!;
    sum += q < 0 ? -q : q;
    signs += Math.sign(q);
  }
  return CONTEXT_OF_SUM[Math.min(sum, 15)]! * 3 + (signs > 0 ? 1 : signs < 0 ? 2 : 0);
}

export function encodeQuantizedStream(
  values: NumericArray,
  shape: readonly number[],
  dtype: NumericDType,
  params: QuantizerParams,
  tolerance: Tolerance,
  inputs: PredictorInputs = {},
): EncodedStream {
  const n = values.length;
  const cast = castFor(dtype);
  const { slack } = inputs;
  const predictor = new BlockPredictor(params.predictor, shape, inputs.predictions, inputs.network);
  const walk = new RowWalk(shape);
  const { working, quantized } = scratch(n);
  const encoder = new RangeEncoder(Math.max(1024, n >> 2));
  const model = new SignedIntegerModel(CONTEXTS);
  const bits = createBitStates(2);
  const exceptionPositions: number[] = [];
  const { step } = params;
  const log = params.domain === 'log';
  const constant = params.predictor.name === 'constant' || params.predictor.name === 'model';
  const input = values as Float64Array;
  const float32 = dtype === 'float32';
  const float64 = dtype === 'float64';

  for (let row = 0; row < walk.rows; row++) {
    walk.enter(row);
    predictor.startRow(walk.rowIndex);
    const base = row * walk.rowLength;
    for (let x = 0; x < walk.rowLength; x++) {
      const i = base + x;
      const value = Number(input[i]);
      const prediction = predictor.at(working, i, x);
      const context = constant ? 0 : contextOf(quantized, i, x, walk);
      const allowed = tolerance.absolute + tolerance.relative * Math.abs(value);
      let exception = !Number.isFinite(value) || (value === 0 && 1 / value < 0);
      let q = 0;
      let w = prediction;
      if (!exception && log && value === 0) {
        encoder.encodeBit(bits, ZERO_STATE, 1);
        working[i] = prediction;
        quantized[i] = 0;
        continue;
      }
      if (!exception) {
        const target = log ? Math.log2(Math.abs(value)) : value;
        const nearest = Math.round((target - prediction) / step);
        exception = true;
        // The nearest index first, then its neighbours: floating-point rounding can push the nearest
        // one just past the bound, never both of its neighbours.
        for (let k = 0; k < 3; k++) {
          const candidate = k === 0 ? nearest : k === 1 ? nearest + 1 : nearest - 1;
          if (Math.abs(candidate) > MAX_INDEX) continue;
          const wc = prediction + candidate * step;
          const out = log
            ? reconstruct(wc, value < 0, params, cast)
            : float32
              ? Math.fround(wc)
              : float64
                ? wc
                : cast(wc);
          if (
            Math.abs(out - value) <= allowed &&
            withinSlack(wc, value, allowed, i, slack, log, params, cast)
          ) {
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
        quantized[i] = 0;
        continue;
      }
      if (log) {
        encoder.encodeBit(bits, ZERO_STATE, 0);
        encoder.encodeBit(bits, SIGN_STATE, value < 0 ? 1 : 0);
      }
      model.encode(encoder, q, context);
      working[i] = w;
      quantized[i] = q;
    }
  }
  const positions = Uint32Array.from(exceptionPositions);
  const exceptionValues = allocateArray(dtype, positions.length);
  for (let k = 0; k < positions.length; k++) (exceptionValues as Float64Array)[k] = input[positions[k]!]!;
  return { residuals: encoder.finish(), exceptions: { positions, values: exceptionValues } };
}

/**
 * With `slack` (a model prediction another engine may compute up to slack[i] away, SPEC.md §11.4), the
 * working value may land anywhere in [w − d, w + d]; the output is monotonic in w, so both ends within
 * the bound put every value between them within it too. d adds the roundings of prediction + q × step.
 */
function withinSlack(
  w: number,
  value: number,
  allowed: number,
  i: number,
  slack: Float64Array | undefined,
  log: boolean,
  params: QuantizerParams,
  cast: (v: number) => number,
): boolean {
  if (!slack) return true;
  const d = slack[i]! * (1 + 2 ** -40) + 2 ** -50 * Math.abs(w);
  if (!(d < Number.POSITIVE_INFINITY)) return false;
  const within = (end: number) => {
    const out = log ? reconstruct(end, value < 0, params, cast) : cast(end);
    // exp2's Horner evaluation is monotonic only to within an ulp or two: 4 ulps of room in the log domain.
    const room = log ? 4 * 2 ** -52 * Math.abs(out) : 0;
    return Math.abs(out - value) + room <= allowed;
  };
  return within(w - d) && within(w + d);
}

export function decodeQuantizedStream(
  residuals: Uint8Array,
  exceptions: Exceptions,
  shape: readonly number[],
  dtype: NumericDType,
  params: QuantizerParams,
  label: string,
  inputs: PredictorInputs = {},
): NumericArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const cast = castFor(dtype);
  const predictor = new BlockPredictor(params.predictor, shape, inputs.predictions, inputs.network);
  const walk = new RowWalk(shape);
  const { working, quantized } = scratch(n);
  const decoder = new RangeDecoder(residuals);
  const model = new SignedIntegerModel(CONTEXTS);
  const bits = createBitStates(2);
  const out = allocateArray(dtype, n) as Float64Array;
  const { step } = params;
  const log = params.domain === 'log';
  const constant = params.predictor.name === 'constant' || params.predictor.name === 'model';
  const float32 = dtype === 'float32';
  const float64 = dtype === 'float64';
  const positions = exceptions.positions;
  const exceptionValues = exceptions.values as Float64Array;
  let nextException = 0;
  let nextPosition = positions.length > 0 ? positions[0]! : -1;

  for (let row = 0; row < walk.rows; row++) {
    walk.enter(row);
    predictor.startRow(walk.rowIndex);
    const base = row * walk.rowLength;
    for (let x = 0; x < walk.rowLength; x++) {
      const i = base + x;
      const prediction = predictor.at(working, i, x);
      const context = constant ? 0 : contextOf(quantized, i, x, walk);
      if (i === nextPosition) {
        working[i] = prediction;
        quantized[i] = 0;
        out[i] = exceptionValues[nextException]!;
        nextException++;
        nextPosition = nextException < positions.length ? positions[nextException]! : -1;
        continue;
      }
      let negative = false;
      if (log) {
        if (decoder.decodeBit(bits, ZERO_STATE) === 1) {
          working[i] = prediction;
          quantized[i] = 0;
          out[i] = 0;
          continue;
        }
        negative = decoder.decodeBit(bits, SIGN_STATE) === 1;
      }
      const q = model.decode(decoder, context);
      const w = prediction + q * step;
      working[i] = w;
      quantized[i] = q;
      // The common dtypes inline their cast; typed-array stores round float32 to nearest-even themselves.
      if (log) out[i] = reconstruct(w, negative, params, cast);
      else out[i] = float32 || float64 ? w : cast(w);
    }
  }
  if (decoder.overrun())
    throw formatErrors.malformedSection(label, 'the residual stream ends before its last value');
  return out;
}
