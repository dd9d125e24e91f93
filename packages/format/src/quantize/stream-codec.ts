// The quantized method's core (SPEC.md §7.2): predict each value from decoded neighbours, quantize the
// prediction error to the bound, entropy-code the integers. Encoder and decoder share `reconstruct` and
// the predictors, so the values the encoder verifies are the values every decoder computes.
import type { NumericArray, NumericDType } from '../dataset.ts';
import { allocateArray, LITTLE_ENDIAN_HOST } from '../dataset.ts';
import { formatErrors } from '../errors.ts';
import type { DenseNetwork } from '../model/dense-network.ts';
import { contextFree, RowWalk } from './contexts.ts';
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
  /**
   * Writer only: decode a quantized stream into this array (of the stream's dtype and length) instead of
   * a new one: the writer's check of every stream decodes into one reused buffer.
   */
  output?: NumericArray;
}

export interface EncodedStream {
  residuals: Uint8Array;
  exceptions: Exceptions;
}

/** Largest quantization index stored; beyond it the value is an exception. */
const MAX_INDEX = 2 ** 30;
/** log2(1 + k/256), k = 0 … 256: the table of approximateLog2. */
const LOG2_TABLE = Float64Array.from({ length: 257 }, (_, k) => Math.log2(1 + k / 256));
const LOG2_VALUE = new Float64Array(1);
const LOG2_WORDS = new Uint32Array(LOG2_VALUE.buffer);
const HIGH_WORD = LITTLE_ENDIAN_HOST ? 1 : 0;

/**
 * log2 x for x > 0 to within APPROXIMATE_LOG2_ERROR (a table and linear interpolation on the top 20
 * mantissa bits), 3× faster than Math.log2. The encoder guesses the nearest index with it; the guess is
 * accepted within a window that allows for this error (logWindow) or checked exactly, and one that fails
 * goes to the full path, which uses Math.log2.
 */
export function approximateLog2(x: number): number {
  LOG2_VALUE[0] = x;
  const high = LOG2_WORDS[HIGH_WORD]!;
  const exponent = high >>> 20;
  if (exponent === 0 || exponent === 2047) return Math.log2(x); // subnormal, Inf, NaN
  const index = (high >>> 12) & 255;
  const t = (high & 4095) / 4096;
  const below = LOG2_TABLE[index]!;
  return exponent - 1023 + below + (LOG2_TABLE[index + 1]! - below) * t;
}

/**
 * A bound on |approximateLog2(x) − log2 x| for normal x: dropping the low 32 mantissa bits costs at most
 * log2(1 + 2^−20) = 1.38e-6 and the chords of the concave log2(1 + u) over 256 segments lie at most
 * h²/(8 ln 2) = 2.75e-6 below it (h = 1/256); 5e-6 leaves room for the table's own roundings (a test
 * measures the error over the whole mantissa range).
 */
export const APPROXIMATE_LOG2_ERROR = 5e-6;

/**
 * The log domain's fast acceptance (no exp2 on the encoder's common path): the distances d = w −
 * approximateLog2|x| for which cast(canonicalExp2(w)) lies within E·|x| of |x| for certain, given
 * |x| in [2^−100, 2^100] (output and input normal, also as float32) and E ≤ 1/2. Then w − log2|x| is
 * within APPROXIMATE_LOG2_ERROR of d; canonicalExp2 is within a relative 2^−45 of 2^w (its Horner
 * roundings are ~2^−51) and the cast to float32 within 2^−24; so
 * 2^(d ± ε)(1 ± 2^−45)(1 ± 2^−24) inside [1 − E, 1 + E] suffices, with 1e-12 more for the roundings of
 * the window's own arithmetic. Undefined (no window) when E > 1/2 or the window is empty.
 */
export function logWindow(relative: number): { below: number; above: number } | undefined {
  if (!(relative > 0 && relative <= 0.5)) return undefined;
  const roundings = Math.log2(1 + 2 ** -45) + Math.log2(1 + 2 ** -24) + APPROXIMATE_LOG2_ERROR + 1e-12;
  const above = Math.log2(1 + relative) - roundings;
  const below = Math.log2(1 - relative) + roundings;
  return above > 0 && below < 0 ? { below, above } : undefined;
}

/** The log domain's sign codes (0 positive, 1 zero, 2 negative) as factors. */
const SIGN_FACTOR = Float64Array.of(1, 0, -1);

/**
 * Scratch arrays reused across streams: a chunk's working values and quantization indices are only
 * needed while it is coded, and reusing them keeps a long compression from churning through memory.
 * Safe because coding a stream is synchronous.
 */
let scratchWorking = new Float64Array(0);
let scratchQuantized = new Int32Array(0);
let scratchInput = new Float64Array(0);
let scratchSigns = new Uint8Array(0);

function scratch(n: number): {
  working: Float64Array;
  quantized: Int32Array;
  input: Float64Array;
  signs: Uint8Array;
} {
  if (scratchWorking.length < n) {
    scratchWorking = new Float64Array(n);
    scratchQuantized = new Int32Array(n);
    scratchInput = new Float64Array(n);
    scratchSigns = new Uint8Array(n);
  }
  return {
    working: scratchWorking,
    quantized: scratchQuantized,
    input: scratchInput.length === n ? scratchInput : scratchInput.subarray(0, n),
    signs: scratchSigns,
  };
}

/** How many indices' scratch exp2OfIndices keeps between streams (9 bytes each). */
const KEPT_INDICES = 1 << 20;

/** exp2OfIndices' scratch, reused between streams: which indices occur, and their powers. */
let indexSeen = new Uint8Array(0);
let indexPowers = new Float64Array(0);

/**
 * The log domain's outputs under a constant prediction c: ±2^(c + Q[i] × step), 0 where signs[i] = 1.
 * The power depends on the index alone, and indices repeat (70 % of LHCb's values share theirs), so
 * each index that occurs goes through canonicalExp2 once, for the same binary64 argument c + q × step
 * and hence the same bits: in three branch-free passes (mark the indices, compute their powers, look
 * them up), as a memo's "computed yet?" test would mispredict about as often as it saves. Exported for
 * its test.
 */
export function exp2OfIndices(
  working: Float64Array,
  quantized: Int32Array,
  signs: Uint8Array,
  n: number,
  c: number,
  step: number,
): void {
  let low = 0;
  let high = 0;
  for (let i = 0; i < n; i++) {
    const q = quantized[i]!;
    low = Math.min(low, q);
    high = Math.max(high, q);
  }
  const span = high - low + 1;
  if (span > 2 * n) {
    // Indices too spread out to repeat: each value's power computed directly.
    for (let i = 0; i < n; i++) {
      const sign = signs[i]!;
      working[i] = sign === 1 ? 0 : canonicalExp2(c + quantized[i]! * step) * SIGN_FACTOR[sign]!;
    }
    return;
  }
  // Scratch of up to KEPT_INDICES entries is kept for the next stream; a larger one (≤ 18 bytes per
  // value) is the collector's once this stream is decoded.
  if (indexSeen.length < span && span <= KEPT_INDICES) {
    indexSeen = new Uint8Array(Math.min(Math.max(span, 2 * indexSeen.length), KEPT_INDICES));
    indexPowers = new Float64Array(indexSeen.length);
  }
  const seen = span <= indexSeen.length ? indexSeen : new Uint8Array(span);
  const powers = span <= indexPowers.length ? indexPowers : new Float64Array(span);
  seen.fill(0, 0, span);
  for (let i = 0; i < n; i++) seen[quantized[i]! - low] = 1;
  for (let k = 0; k < span; k++) if (seen[k] === 1) powers[k] = canonicalExp2(c + (low + k) * step);
  for (let i = 0; i < n; i++) {
    const sign = signs[i]!;
    // × −1 rather than a branch on the sign, which is random in many columns (mispredictions).
    working[i] = sign === 1 ? 0 : powers[quantized[i]! - low]! * SIGN_FACTOR[sign]!;
  }
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
  const scratchOf = scratch(n);
  const { working, quantized } = scratchOf;
  // One element type for every dtype: loads from arrays of several types in one loop are megamorphic.
  let input = values as Float64Array;
  if (!(values instanceof Float64Array)) {
    input = scratchOf.input;
    input.set(values as Float32Array);
  }
  const log = params.domain === 'log';
  // The decoder's scratch too, which is free here: the writer checks a stream once it is encoded.
  const signs = log ? scratchOf.signs.fill(0, 0, n) : undefined;
  const exceptionPositions: number[] = [];
  const { step, coder } = params;
  const { absolute, relative } = tolerance;
  const float32 = dtype === 'float32';
  const float64 = dtype === 'float64';

  // Pass 1, in C order: each value's index (or an exception) from its prediction, which reads the
  // working values decoded so far, exactly as the decoder will compute them.
  const quantizeAny = (i: number, prediction: number) => {
    const value = input[i]!;
    let exception = !Number.isFinite(value) || (value === 0 && 1 / value < 0);
    working[i] = prediction;
    quantized[i] = 0;
    if (!exception && log && value === 0) {
      signs![i] = 1;
      return;
    }
    if (!exception) {
      const allowed = absolute + relative * Math.abs(value);
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
          quantized[i] = candidate;
          working[i] = wc;
          if (signs) signs[i] = value < 0 ? 2 : 0;
          exception = false;
          break;
        }
      }
    }
    if (exception) exceptionPositions.push(i);
  };
  // The common case first, small enough for V8 to inline into the prediction loop: a finite, non-zero
  // float whose nearest index holds (in the log domain, of log2|x|, its sign coded apart). Anything
  // else (±0, NaN, ±Inf, a miss, integers, slack) takes the full path, which tries that index first.
  const simple = (float32 || float64) && slack === undefined;
  // × 1/step instead of ÷ step: the division's latency sits on the chain from one value to the next. A
  // product that rounds the other way only makes the check below fail over to the full path.
  const inverseStep = 1 / step;
  // Log domain: the window of certain acceptance, empty (NaN bounds fail every test) without one.
  const window = log ? logWindow(relative) : undefined;
  const windowBelow = window?.below ?? Number.NaN;
  const windowAbove = window?.above ?? Number.NaN;
  const quantizeAt = (i: number, prediction: number) => {
    const value = input[i]!;
    if (simple && value !== 0 && value - value === 0) {
      const magnitude = Math.abs(value);
      const target = log ? approximateLog2(magnitude) : value;
      const nearest = Math.round((target - prediction) * inverseStep);
      const w = prediction + nearest * step;
      let within = false;
      if (log) {
        // In the window nothing needs checking (logWindow); near its edges, exp2 and the cast decide.
        // |cast(±exp2(w)) − x| = |cast(exp2(w)) − |x||: rounding to float32 is symmetric.
        const d = w - target;
        within =
          (d >= windowBelow && d <= windowAbove && magnitude >= 2 ** -100 && magnitude <= 2 ** 100) ||
          Math.abs((float32 ? Math.fround(canonicalExp2(w)) : canonicalExp2(w)) - magnitude) <=
            absolute + relative * magnitude;
      } else within = Math.abs((float32 ? Math.fround(w) : w) - value) <= absolute + relative * magnitude;
      if (within && Math.abs(nearest) <= MAX_INDEX) {
        working[i] = w;
        quantized[i] = nearest;
        if (signs) signs[i] = value < 0 ? 2 : 0;
        return;
      }
    }
    quantizeAny(i, prediction);
  };
  for (let row = 0; row < walk.rows; row++) {
    walk.enter(row);
    predictor.startRow(walk.rowIndex);
    predictor.quantizeRow(working, row * walk.rowLength, walk.rowLength, quantizeAt);
  }

  // Pass 2: the indices, entropy-coded in their contexts (which depend on indices only).
  const positions = Uint32Array.from(exceptionPositions);
  const sink: ResidualSink = coder === 'rans' ? new RansSink(log, n) : new RangeSink(Math.max(1024, n >> 2));
  const constant = contextFree(params.predictor);
  walk.reset();
  sink.writeIndices({ quantized, signs, walk, positions, constant });
  const exceptionValues = allocateArray(dtype, positions.length);
  for (let k = 0; k < positions.length; k++)
    (exceptionValues as Float64Array)[k] = values[positions[k]!]! as number;
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
  const scratchOf = scratch(n);
  const { quantized } = scratchOf;
  // float64 outputs are the working values themselves: decoded in place, no copy out of a scratch array
  // (~10 % of a decode). Exceptions are stored last, after every prediction has read its working value.
  const direct =
    dtype === 'float64' ? ((inputs.output as Float64Array | undefined) ?? new Float64Array(n)) : undefined;
  const working = direct ?? scratchOf.working;
  const log = params.domain === 'log';
  const source: ResidualSource =
    params.coder === 'rans' ? new RansSource(residuals, log, label) : new RangeSource(residuals, label);
  // Log domain: 1 for a value that is +0, 2 for a negative one.
  // Every entry is written by the first pass (0 at exceptions), so a reused buffer will do.
  const signs = log ? scratchOf.signs : undefined;
  const constant = contextFree(params.predictor);
  const positions = exceptions.positions;

  source.readIndices({ quantized, signs, walk, positions, constant });
  source.finish();
  // Pass 2: the working values, row by row. A constant prediction needs no pass of its own: the log
  // domain's outputs below compute c + Q[i] × step as they go (one pass over the values fewer).
  const { step } = params;
  const fused = signs !== undefined && params.predictor.name === 'constant';
  const c = params.predictor.name === 'constant' ? params.predictor.value : 0;
  walk.reset();
  for (let row = 0; row < walk.rows && !fused; row++) {
    walk.enter(row);
    predictor.startRow(walk.rowIndex);
    predictor.reconstructRow(working, quantized, row * walk.rowLength, walk.rowLength, step);
  }

  // The outputs, computed in place in the binary64 working array (float64 outputs are done then) and
  // otherwise stored into the dtype's array in one set(): typed-array stores round to float32 as the
  // spec's cast does, and a single loop over arrays of several element types would be megamorphic.
  if (fused) exp2OfIndices(working, quantized, signs!, n, c, step);
  else if (signs) {
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
  let out = direct;
  if (!out) {
    out = (inputs.output ?? allocateArray(dtype, n)) as Float64Array;
    out.set(working.subarray(0, n));
  }
  const exceptionValues = exceptions.values as Float64Array;
  for (let k = 0; k < positions.length; k++) out[positions[k]!] = exceptionValues[k]!;
  return out;
}
