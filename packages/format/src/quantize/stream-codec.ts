// The quantized method's core (SPEC.md §7.2): predict each value from decoded neighbours, quantize the
// prediction error to the bound, entropy-code the integers. Encoder and decoder share `reconstruct` and
// the predictors, so the values the encoder verifies are the values every decoder computes.
import type { NumericArray, NumericDType } from '../dataset.ts';
import { allocateArray } from '../dataset.ts';
import { SignedIntegerModel } from '../entropy/integer-model.ts';
import { createBitStates, RangeDecoder, RangeEncoder } from '../entropy/range-coder.ts';
import { RansDecoder, RansEncoder } from '../entropy/rans.ts';
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
/** Context buckets for the sum of the neighbours' |q| (SPEC.md §7.2.3). */
const CONTEXT_OF_SUM = Uint8Array.from({ length: 16 }, (_, s) =>
  s < 5 ? s : s < 7 ? 5 : s < 10 ? 6 : s < 15 ? 7 : 8,
);
/** The sign part of a context, by the sum of the neighbours' signs + MAX_RANK: 1 if > 0, 2 if < 0. */
const MAX_RANK = 32;
const SIGN_CONTEXT = Uint8Array.from({ length: 2 * MAX_RANK + 1 }, (_, k) =>
  k > MAX_RANK ? 1 : k < MAX_RANK ? 2 : 0,
);
/** Integer contexts: 9 magnitude buckets × 3 sign states; a constant predictor uses context 0 only. */
export const CONTEXTS = 27;
const ZERO_STATE = 0;
const SIGN_STATE = 1;

/** rANS symbols of a quantization index (SPEC.md §10.6.1): 0, ±1..±15 directly, then one per sign and
 * octave, the octave's low bits raw. */
const DIRECT_TOKENS = 31;
export const INDEX_TOKENS = DIRECT_TOKENS + 2 * 27;
/** In the log domain: symbol 0 is an exact zero, then the tokens, each with a sign bit. */
const LOG_SYMBOLS = 1 + 2 * INDEX_TOKENS;

/** Where the encoder puts each value's residual: the value is +0 (log domain), or index q (and its sign). */
interface ResidualSink {
  zero(context: number): void;
  index(q: number, negative: boolean, context: number): void;
  finish(): Uint8Array;
}

/** Where the decoder reads them: `next` returns q, or sets `zero` for an exact +0 (log domain). */
interface ResidualSource {
  zero: boolean;
  negative: boolean;
  next(context: number): number;
  /** Throws MalformedSection unless the stream ended where its encoder ended it. */
  finish(): void;
}

/** The adaptive range coder (SPEC.md §7.2 steps 4–5, §10.3–§10.4). */
class RangeSink implements ResidualSink {
  private readonly encoder: RangeEncoder;
  private readonly model = new SignedIntegerModel(CONTEXTS);
  private readonly bits = createBitStates(2);

  constructor(
    private readonly log: boolean,
    capacity: number,
  ) {
    this.encoder = new RangeEncoder(capacity);
  }

  zero(): void {
    this.encoder.encodeBit(this.bits, ZERO_STATE, 1);
  }

  index(q: number, negative: boolean, context: number): void {
    if (this.log) {
      this.encoder.encodeBit(this.bits, ZERO_STATE, 0);
      this.encoder.encodeBit(this.bits, SIGN_STATE, negative ? 1 : 0);
    }
    this.model.encode(this.encoder, q, context);
  }

  finish(): Uint8Array {
    return this.encoder.finish();
  }
}

class RangeSource implements ResidualSource {
  zero = false;
  negative = false;
  private readonly decoder: RangeDecoder;
  private readonly model = new SignedIntegerModel(CONTEXTS);
  private readonly bits = createBitStates(2);

  constructor(
    residuals: Uint8Array,
    private readonly log: boolean,
    private readonly label: string,
  ) {
    this.decoder = new RangeDecoder(residuals);
  }

  next(context: number): number {
    if (this.log) {
      this.zero = this.decoder.decodeBit(this.bits, ZERO_STATE) === 1;
      if (this.zero) return 0;
      this.negative = this.decoder.decodeBit(this.bits, SIGN_STATE) === 1;
    }
    return this.model.decode(this.decoder, context);
  }

  finish(): void {
    if (this.decoder.overrun())
      throw formatErrors.malformedSection(this.label, 'the residual stream ends before its last value');
  }
}

/** Static rANS (SPEC.md §10.6): one symbol per value, the low bits of large indices raw. */
class RansSink implements ResidualSink {
  private readonly encoder: RansEncoder;

  constructor(
    private readonly log: boolean,
    capacity: number,
  ) {
    this.encoder = new RansEncoder(CONTEXTS, log ? LOG_SYMBOLS : INDEX_TOKENS, capacity);
  }

  zero(context: number): void {
    this.encoder.encode(0, context);
  }

  index(q: number, negative: boolean, context: number): void {
    const m = q < 0 ? -q : q;
    let token: number;
    let octave = 0;
    if (m < 16) token = m === 0 ? 0 : 2 * m - 1 + (q < 0 ? 1 : 0);
    else {
      octave = 31 - Math.clz32(m);
      token = DIRECT_TOKENS + 2 * (octave - 4) + (q < 0 ? 1 : 0);
    }
    this.encoder.encode(this.log ? 1 + 2 * token + (negative ? 1 : 0) : token, context);
    if (octave > 0) this.encoder.encodeBits(m - 2 ** octave, octave);
  }

  finish(): Uint8Array {
    return this.encoder.finish();
  }
}

class RansSource implements ResidualSource {
  zero = false;
  negative = false;
  private readonly decoder: RansDecoder;

  constructor(
    residuals: Uint8Array,
    private readonly log: boolean,
    label: string,
  ) {
    this.decoder = new RansDecoder(residuals, CONTEXTS, log ? LOG_SYMBOLS : INDEX_TOKENS, label);
  }

  /** readIndices, with the symbol decoding inlined: the decoder's hot loop. */
  readIndices(
    quantized: Int32Array,
    signs: Uint8Array | undefined,
    walk: RowWalk,
    positions: Uint32Array,
    constant: boolean,
  ): void {
    const decoder = this.decoder;
    const { rowLength } = walk;
    const strides = walk.neighbourStrides;
    let nextException = 0;
    let nextPosition = positions.length > 0 ? positions[0]! : -1;
    for (let row = 0; row < walk.rows; row++) {
      walk.enter(row);
      const count = walk.count;
      const base = row * rowLength;
      for (let x = 0; x < rowLength; x++) {
        const i = base + x;
        if (i === nextPosition) {
          quantized[i] = 0;
          nextException++;
          nextPosition = nextException < positions.length ? positions[nextException]! : -1;
          continue;
        }
        let token = decoder.decode(constant ? 0 : contextAt(quantized, i, x, strides, count));
        if (signs) {
          if (token === 0) {
            signs[i] = 1;
            quantized[i] = 0;
            continue;
          }
          signs[i] = (token - 1) & 1 ? 2 : 0;
          token = (token - 1) >>> 1;
        }
        // Odd tokens are positive; negate branch-free as (m ^ −1) + 1.
        const negative = (token & 1) - 1;
        const m =
          token < DIRECT_TOKENS
            ? (token + 1) >>> 1
            : 2 ** (4 + ((token - DIRECT_TOKENS) >>> 1)) +
              decoder.decodeBits(4 + ((token - DIRECT_TOKENS) >>> 1));
        quantized[i] = (m ^ negative) - negative;
      }
    }
  }

  next(context: number): number {
    let token = this.decoder.decode(context);
    if (this.log) {
      this.zero = token === 0;
      if (this.zero) return 0;
      this.negative = ((token - 1) & 1) === 1;
      token = (token - 1) >>> 1;
    }
    if (token < DIRECT_TOKENS) {
      const m = (token + 1) >>> 1;
      return token & 1 ? m : -m;
    }
    const octave = 4 + ((token - DIRECT_TOKENS) >>> 1);
    const m = 2 ** octave + this.decoder.decodeBits(octave);
    return token & 1 ? m : -m;
  }

  finish(): void {
    this.decoder.finish();
  }
}

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

  /** Starts a new walk from row 0. */
  reset(): void {
    this.rowIndex.fill(0);
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
  return contextAt(quantized, i, x, walk.neighbourStrides, walk.count);
}

/** contextOf with the row's neighbour strides given, for loops that hoist them. */
function contextAt(quantized: Int32Array, i: number, x: number, strides: Int32Array, count: number): number {
  // Branch-free |q| and sign(q): residual signs are random, and mispredicted branches cost more than
  // the rest of the decoding.
  let sum = 0;
  let signs = 0;
  if (x > 0) {
    const q = quantized[i - 1]!;
    const negative = q >> 31;
    sum = (q ^ negative) - negative;
    signs = negative | (-q >>> 31);
  }
  for (let k = 0; k < count; k++) {
    const q = quantized[i - strides[k]!]!;
    const negative = q >> 31;
    sum += (q ^ negative) - negative;
    signs += negative | (-q >>> 31);
  }
  return CONTEXT_OF_SUM[sum > 15 ? 15 : sum]! * 3 + SIGN_CONTEXT[signs + MAX_RANK]!;
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
 * The first pass of decoding: every value's quantization index in C order (0 at exceptions, where
 * nothing is coded) and, in the log domain, `signs` (1 for +0, 2 for a negative value).
 */
function readIndices(
  source: ResidualSource,
  quantized: Int32Array,
  signs: Uint8Array | undefined,
  walk: RowWalk,
  positions: Uint32Array,
  constant: boolean,
): void {
  let nextException = 0;
  let nextPosition = positions.length > 0 ? positions[0]! : -1;
  for (let row = 0; row < walk.rows; row++) {
    walk.enter(row);
    const base = row * walk.rowLength;
    for (let x = 0; x < walk.rowLength; x++) {
      const i = base + x;
      if (i === nextPosition) {
        quantized[i] = 0;
        nextException++;
        nextPosition = nextException < positions.length ? positions[nextException]! : -1;
        continue;
      }
      quantized[i] = source.next(constant ? 0 : contextOf(quantized, i, x, walk));
      if (signs) signs[i] = source.zero ? 1 : source.negative ? 2 : 0;
    }
  }
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
    params.coder === 'rans' ? new RansSource(residuals, log, label) : new RangeSource(residuals, log, label);
  // Log domain: 1 for a value that is +0, 2 for a negative one.
  const signs = log ? new Uint8Array(n) : undefined;
  const constant = params.predictor.name === 'constant' || params.predictor.name === 'model';
  const positions = exceptions.positions;

  if (source instanceof RansSource) source.readIndices(quantized, signs, walk, positions, constant);
  else readIndices(source, quantized, signs, walk, positions, constant);
  source.finish();
  walk.reset();
  for (let row = 0; row < walk.rows; row++) {
    walk.enter(row);
    predictor.startRow(walk.rowIndex);
    predictor.reconstructRow(working, quantized, row * walk.rowLength, walk.rowLength, params.step);
  }

  const out = allocateArray(dtype, n) as Float64Array;
  if (signs) {
    const cast = castFor(dtype);
    for (let i = 0; i < n; i++) {
      const sign = signs[i]!;
      out[i] = sign === 1 ? 0 : reconstruct(working[i]!, sign === 2, params, cast);
    }
  } else if (dtype === 'float32' || dtype === 'float64') {
    // Typed-array stores round binary64 to float32 to nearest, ties to even: the spec's cast.
    out.set(working.subarray(0, n));
  } else {
    const cast = castFor(dtype);
    for (let i = 0; i < n; i++) out[i] = cast(working[i]!);
  }
  const exceptionValues = exceptions.values as Float64Array;
  for (let k = 0; k < positions.length; k++) out[positions[k]!] = exceptionValues[k]!;
  return out;
}
