// The quantized method's core (SPEC.md §7.2): predict each value from decoded neighbours, quantize the
// prediction error to the bound, entropy-code the integers. Encoder and decoder share `reconstruct` and
// the predictors, so the values the encoder verifies are the values every decoder computes.
import type { NumericArray, NumericDType } from '../dataset.ts';
import { allocateArray } from '../dataset.ts';
import { formatErrors } from '../errors.ts';
import type { DenseNetwork } from '../model/dense-network.ts';
import { contextOf, RowWalk } from './contexts.ts';
import type { Exceptions } from './exceptions.ts';
import { canonicalExp2 } from './exp2.ts';
import type { PredictorSpec } from './predictors.ts';
import { BlockPredictor } from './predictors.ts';
import type { ResidualSink, ResidualSource } from './residual-coders.ts';
import { RangeSink, RangeSource, RansSink, RansSource } from './residual-coders.ts';

export interface QuantizerParams {
  /** `linear`: values are quantized as they are; `log`: log2|x| is, with sign and zero coded apart. */
  domain: 'linear' | 'log';
  /** Quantization step in the working domain. */
  step: number;
  predictor: PredictorSpec;
  /**
   * How the residuals are entropy-coded: `range`, the adaptive binary range coder (method `quantized`,
   * SPEC.md §10.3–§10.4), or `rans`, static rANS tables (method `quantized-rans`, §10.6), faster to decode.
   */
  coder: 'range' | 'rans';
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
/** The log domain's sign codes (0 positive, 1 zero, 2 negative) as factors. */
const SIGN_FACTOR = Float64Array.of(1, 0, -1);

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
  const log = params.domain === 'log';
  const sink: ResidualSink =
    params.coder === 'rans' ? new RansSink(log, n) : new RangeSink(log, Math.max(1024, n >> 2));
  const exceptionPositions: number[] = [];
  const { step } = params;
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
        sink.zero(context);
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
      sink.index(q, value < 0, context);
      working[i] = w;
      quantized[i] = q;
    }
  }
  const positions = Uint32Array.from(exceptionPositions);
  const exceptionValues = allocateArray(dtype, positions.length);
  for (let k = 0; k < positions.length; k++) (exceptionValues as Float64Array)[k] = input[positions[k]!]!;
  return { residuals: sink.finish(), exceptions: { positions, values: exceptionValues } };
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

/**
 * Decodes one stream (SPEC.md §7.2) in three passes that compute exactly what the value-by-value
 * procedure of the spec computes: the quantization indices first (contexts depend only on indices),
 * then the working values row by row (a stencil's interior runs as one tight loop), then the outputs.
 */
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
  const predictor = new BlockPredictor(params.predictor, shape, inputs.predictions, inputs.network);
  const walk = new RowWalk(shape);
  const { working, quantized } = scratch(n);
  const log = params.domain === 'log';
  const source: ResidualSource =
    params.coder === 'rans' ? new RansSource(residuals, log, label) : new RangeSource(residuals, label);
  // Log domain: 1 for a value that is +0, 2 for a negative one.
  const signs = log ? new Uint8Array(n) : undefined;
  const constant = params.predictor.name === 'constant' || params.predictor.name === 'model';
  const positions = exceptions.positions;

  source.readIndices(quantized, signs, walk, positions, constant);
  source.finish();
  walk.reset();
  for (let row = 0; row < walk.rows; row++) {
    walk.enter(row);
    predictor.startRow(walk.rowIndex);
    predictor.reconstructRow(working, quantized, row * walk.rowLength, walk.rowLength, params.step);
  }

  // The outputs, computed in place in the binary64 working array and then stored into the dtype's array
  // in one set(): typed-array stores round to float32 as the spec's cast does, and a single loop over
  // arrays of several element types would be megamorphic (2× slower).
  if (signs) {
    for (let i = 0; i < n; i++) {
      const sign = signs[i]!;
      // × −1 rather than a branch on the sign, which is random in many columns (mispredictions).
      working[i] = sign === 1 ? 0 : canonicalExp2(working[i]!) * SIGN_FACTOR[sign]!;
    }
  }
  if (dtype !== 'float32' && dtype !== 'float64') {
    const cast = castFor(dtype);
    for (let i = 0; i < n; i++) working[i] = cast(working[i]!);
  }
  const out = allocateArray(dtype, n) as Float64Array;
  out.set(working.subarray(0, n));
  const exceptionValues = exceptions.values as Float64Array;
  for (let k = 0; k < positions.length; k++) out[positions[k]!] = exceptionValues[k]!;
  return out;
}
