// Predictors of the quantized method (SPEC.md §7.2): each predicts a value from values already decoded
// in the same chunk, in C order, using the reconstructed working values (never the originals), so that
// the encoder and every decoder compute the same prediction, bit for bit, with double arithmetic in the
// order written here.
import { formatErrors } from '../errors.ts';
import { singleRowRunner } from '../model/canonical.ts';
import type { DenseNetwork } from '../model/dense-network.ts';

export type PredictorSpec =
  /** A constant: the centre of the column's working values. */
  | { name: 'constant'; value: number }
  /** The N-D Lorenzo predictor over the axes whose index is > 0 (the sum of the corner of the unit cube). */
  | { name: 'lorenzo' }
  /** Learned weights over causal neighbours (offsets per axis); Lorenzo wherever a neighbour is outside. */
  | { name: 'stencil'; offsets: number[][]; weights: number[] }
  /**
   * The same, but where a neighbour is outside the block, the first fallback stencil whose neighbours
   * are all inside predicts, and Lorenzo only where none is (new in 1.2: a new name, so that older
   * readers reject it instead of ignoring the fallbacks).
   */
  | { name: 'stencil-fallbacks'; offsets: number[][]; weights: number[]; fallbacks: LinearStencil[] }
  /**
   * The stencil corrected by the file's network (SPEC.md §7.2.1): where the stencil applies,
   * `Σ weights[k]·W[i+o_k] + outputScale × net(f32((W[i+o_k] − inputOffset) × inputScale) for each k)[0]`.
   * The caller passes the network; it runs per value, by the canonical kernels only.
   */
  | {
      name: 'stencil-network';
      offsets: number[][];
      weights: number[];
      inputOffset: number;
      inputScale: number;
      outputScale: number;
      fallbacks?: LinearStencil[];
    }
  /**
   * The file's decoder network (SPEC.md §7.2.1, §11): `offset + scale × out[r][output + c]` for the value at
   * row r and position c within its row. The caller computes these from the chunk's latents.
   */
  | { name: 'model'; output: number; scale: number; offset: number }
  /**
   * The file's decoder network on blocks (SPEC.md §7.3.1): `center[g] + spread[g] × out[g][output + c]`
   * for the value in block g at position c within the block. The caller computes these too.
   */
  | { name: 'block-model'; output: number };

/** Weights over causal neighbours: `Σ weights[k] × W[i + offsets[k]]`. A type, not an interface, so
 * that it is assignable to the metadata's JSON values. */
export type LinearStencil = {
  offsets: number[][];
  weights: number[];
};

/** At most this many fallback stencils (SPEC.md §7.2.1). */
export const MAX_FALLBACKS = 16;
/**
 * At most this many weights in a stencil network (SPEC.md §7.3.2): it runs once per value, so a small
 * file must not be able to demand unbounded work per value.
 */
export const MAX_STENCIL_NETWORK_WEIGHTS = 1 << 16;

const NO_INDICES = new Int32Array(0);

/** Single-row runners by network: a file's network serves every chunk, built once (its buffers are reused). */
const runners = new WeakMap<DenseNetwork, (input: Float32Array) => Float32Array>();

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
  if (p.name === 'model') {
    if (!Number.isSafeInteger(p.output) || p.output < 0) fail('model needs an output index ≥ 0');
    if (![p.scale, p.offset].every((v) => typeof v === 'number' && Number.isFinite(v))) {
      fail('model needs finite scale and offset');
    }
    return p;
  }
  if (p.name === 'block-model') {
    if (!Number.isSafeInteger(p.output) || p.output < 0) fail('block-model needs an output index ≥ 0');
    return p;
  }
  if (p.name === 'stencil' || p.name === 'stencil-fallbacks' || p.name === 'stencil-network') {
    checkStencil(p, rank, fail, 'stencil');
    const fallbacks = (p as { fallbacks?: unknown }).fallbacks;
    if (p.name === 'stencil' && fallbacks !== undefined)
      fail('a stencil with fallbacks is named "stencil-fallbacks"');
    if (p.name === 'stencil-fallbacks' && fallbacks === undefined) fail('stencil-fallbacks needs fallbacks');
    if (p.name !== 'stencil' && p.fallbacks !== undefined) {
      if (!Array.isArray(p.fallbacks) || p.fallbacks.length === 0 || p.fallbacks.length > MAX_FALLBACKS)
        fail(`fallbacks must be a list of 1 to ${MAX_FALLBACKS} stencils`);
      p.fallbacks.forEach((f, k) => {
        if (typeof f !== 'object' || f === null) fail(`fallback ${k} must be an object`);
        checkStencil(f, rank, fail, `fallback ${k}`);
        if (f.offsets.length === 0) fail(`fallback ${k} needs at least one offset`);
      });
    }
    if (
      p.name === 'stencil-network' &&
      ![p.inputOffset, p.inputScale, p.outputScale].every((v) => typeof v === 'number' && Number.isFinite(v))
    )
      fail('stencil-network needs finite inputOffset, inputScale and outputScale');
    return p;
  }
  return fail(`unknown predictor ${JSON.stringify((p as { name?: unknown }).name)}`);
}

function checkStencil(p: LinearStencil, rank: number, fail: (reason: string) => never, what: string): void {
  if (
    !Array.isArray(p.offsets) ||
    !Array.isArray(p.weights) ||
    p.offsets.length !== p.weights.length ||
    p.offsets.length > 64
  ) {
    fail(`${what} needs offsets and weights of equal length (at most 64)`);
  }
  p.offsets.forEach((offset) => {
    if (
      !Array.isArray(offset) ||
      offset.length !== rank ||
      !offset.every((o) => Number.isInteger(o) && Math.abs(o) <= 8)
    ) {
      fail(`each ${what} offset needs ${rank} integers within ±8`);
    }
    if (!isCausal(offset)) fail(`${what} offset [${offset}] is not before the predicted value in C order`);
  });
  if (!p.weights.every((w) => typeof w === 'number' && Number.isFinite(w)))
    fail(`${what} weights must be finite numbers`);
}

/** An offset is causal when its first non-zero component is negative. */
function isCausal(offset: number[]): boolean {
  for (const o of offset) {
    if (o < 0) return true;
    if (o > 0) return false;
  }
  return false;
}

/** A stencil laid out for one block: flat offsets, weights, and where along each axis it applies. */
interface PlacedStencil {
  offsets: Int32Array;
  weights: Float64Array;
  /** How many of the first terms read earlier rows only (the rest start at the first same-row term). */
  earlierRows: number;
  /** It applies at idx when low[d] ≤ idx_d < high[d] for every axis d. */
  low: Int32Array;
  high: Int32Array;
  /** Set per row: whether the leading axes (all but the last) are within range. */
  rowInside: boolean;
}

function placeStencil(stencil: LinearStencil, shape: readonly number[], strides: number[]): PlacedStencil {
  const rank = shape.length;
  const low = new Int32Array(rank);
  const high = new Int32Array(rank);
  for (let d = 0; d < rank; d++) {
    low[d] = Math.max(0, ...stencil.offsets.map((o) => -o[d]!));
    high[d] = shape[d]! - Math.max(0, ...stencil.offsets.map((o) => o[d]!));
  }
  const sameRow = stencil.offsets.findIndex((o) => o.every((v, d) => d === rank - 1 || v === 0));
  return {
    offsets: Int32Array.from(stencil.offsets, (o) => o.reduce((n, v, d) => n + v * strides[d]!, 0)),
    weights: Float64Array.from(stencil.weights),
    earlierRows: sameRow < 0 ? stencil.offsets.length : sameRow,
    low,
    high,
    rowInside: false,
  };
}

/**
 * What to do with each prediction p of a row: the decoder's `W[i] = p + Q[i] × step` (inlined: `complete`
 * undefined), or the encoder's `complete(i, p)`, which sets W[i] before the next value is predicted. Two
 * modes of one loop rather than one callback: a call site that sees both closures is not inlined (−5 %
 * decoding speed).
 */
interface RowCompletion {
  quantized: Int32Array;
  step: number;
  complete: ((i: number, prediction: number) => void) | undefined;
}

/** Stencils of up to this many terms run unrolled (predictRun); longer ones may be split. */
const UNROLLED_TERMS = 8;
/**
 * predictRunSplit serves runs of at least SPLIT_RUN values of stencils longer than UNROLLED_TERMS with
 * SPLIT_TERMS or more terms on earlier rows.
 */
const SPLIT_TERMS = 4;
const SPLIT_RUN = 8;

/** The partial sums of the terms that read earlier rows, for one run (reused: a run is coded at once). */
let partialSums = new Float64Array(0);

/**
 * A run of a stencil whose first `earlier` terms read earlier rows only, which are complete: their
 * partial sums are computed for the whole run first, four terms per pass, with no value waiting for the
 * one before it; the rest (the terms on the current row) then complete each value in order. The sum
 * from 0 in list order is the same as predictRun's, term for term: split in two loops, not reordered.
 * A long stencil's terms would otherwise form one chain of additions per value (64 MB/s decoding with
 * 20 terms instead of ~190 with 8).
 */
function predictRunSplit(
  working: Float64Array,
  start: number,
  end: number,
  offsets: Int32Array,
  weights: Float64Array,
  earlier: number,
  how: RowCompletion,
): void {
  const length = end - start;
  if (partialSums.length < length) partialSums = new Float64Array(Math.max(length, 2 * partialSums.length));
  const partial = partialSums;
  partial.fill(0, 0, length);
  let k = 0;
  // Eight terms per pass while they last: fewer loads and stores of the partial sums.
  for (; k + 8 <= earlier; k += 8) {
    const o0 = start + offsets[k]!;
    const o1 = start + offsets[k + 1]!;
    const o2 = start + offsets[k + 2]!;
    const o3 = start + offsets[k + 3]!;
    const o4 = start + offsets[k + 4]!;
    const o5 = start + offsets[k + 5]!;
    const o6 = start + offsets[k + 6]!;
    const o7 = start + offsets[k + 7]!;
    const w0 = weights[k]!;
    const w1 = weights[k + 1]!;
    const w2 = weights[k + 2]!;
    const w3 = weights[k + 3]!;
    const w4 = weights[k + 4]!;
    const w5 = weights[k + 5]!;
    const w6 = weights[k + 6]!;
    const w7 = weights[k + 7]!;
    for (let j = 0; j < length; j++) {
      let sum = partial[j]!;
      sum += w0 * working[o0 + j]!;
      sum += w1 * working[o1 + j]!;
      sum += w2 * working[o2 + j]!;
      sum += w3 * working[o3 + j]!;
      sum += w4 * working[o4 + j]!;
      sum += w5 * working[o5 + j]!;
      sum += w6 * working[o6 + j]!;
      sum += w7 * working[o7 + j]!;
      partial[j] = sum;
    }
  }
  for (; k + 4 <= earlier; k += 4) {
    const o0 = start + offsets[k]!;
    const o1 = start + offsets[k + 1]!;
    const o2 = start + offsets[k + 2]!;
    const o3 = start + offsets[k + 3]!;
    const w0 = weights[k]!;
    const w1 = weights[k + 1]!;
    const w2 = weights[k + 2]!;
    const w3 = weights[k + 3]!;
    for (let j = 0; j < length; j++) {
      let sum = partial[j]!;
      sum += w0 * working[o0 + j]!;
      sum += w1 * working[o1 + j]!;
      sum += w2 * working[o2 + j]!;
      sum += w3 * working[o3 + j]!;
      partial[j] = sum;
    }
  }
  if (k + 2 <= earlier) {
    const o0 = start + offsets[k]!;
    const o1 = start + offsets[k + 1]!;
    const w0 = weights[k]!;
    const w1 = weights[k + 1]!;
    for (let j = 0; j < length; j++) partial[j] = partial[j]! + w0 * working[o0 + j]! + w1 * working[o1 + j]!;
    k += 2;
  }
  if (k < earlier) {
    const o = start + offsets[k]!;
    const w = weights[k]!;
    for (let j = 0; j < length; j++) partial[j] = partial[j]! + w * working[o + j]!;
  }
  const { quantized, step, complete } = how;
  const taps = offsets.length;
  const rest = taps - earlier;
  // Usually one or two terms on the current row (x − 1, x − 2): unrolled, else a loop.
  const oa = rest > 0 ? offsets[earlier]! : 0;
  const wa = rest > 0 ? weights[earlier]! : 0;
  const ob = rest > 1 ? offsets[earlier + 1]! : 0;
  const wb = rest > 1 ? weights[earlier + 1]! : 0;
  for (let i = start; i < end; i++) {
    let sum = partial[i - start]!;
    if (rest > 0) {
      sum += wa * working[i + oa]!;
      if (rest > 1) {
        sum += wb * working[i + ob]!;
        for (let t = earlier + 2; t < taps; t++) sum += weights[t]! * working[i + offsets[t]!]!;
      }
    }
    if (complete) complete(i, sum);
    else working[i] = sum + quantized[i]! * step;
  }
}

/**
 * For i in [start, end) in order, the prediction `Σ_k weights[k] × W[i + offsets[k]]` (the sum from 0 in
 * list order), completed as `how` says. Up to 8 terms run unrolled, with weights and offsets in
 * registers: 1.8× faster in V8 than the loop, which serves longer stencils.
 */
function predictRun(
  working: Float64Array,
  start: number,
  end: number,
  offsets: Int32Array,
  weights: Float64Array,
  how: RowCompletion,
): void {
  const { quantized, step, complete } = how;
  const taps = offsets.length;
  if (taps > UNROLLED_TERMS) {
    for (let i = start; i < end; i++) {
      let sum = 0;
      for (let k = 0; k < taps; k++) sum += weights[k]! * working[i + offsets[k]!]!;
      if (complete) complete(i, sum);
      else working[i] = sum + quantized[i]! * step;
    }
    return;
  }
  const o0 = taps > 0 ? offsets[0]! : 0;
  const w0 = taps > 0 ? weights[0]! : 0;
  const o1 = taps > 1 ? offsets[1]! : 0;
  const w1 = taps > 1 ? weights[1]! : 0;
  const o2 = taps > 2 ? offsets[2]! : 0;
  const w2 = taps > 2 ? weights[2]! : 0;
  const o3 = taps > 3 ? offsets[3]! : 0;
  const w3 = taps > 3 ? weights[3]! : 0;
  const o4 = taps > 4 ? offsets[4]! : 0;
  const w4 = taps > 4 ? weights[4]! : 0;
  const o5 = taps > 5 ? offsets[5]! : 0;
  const w5 = taps > 5 ? weights[5]! : 0;
  const o6 = taps > 6 ? offsets[6]! : 0;
  const w6 = taps > 6 ? weights[6]! : 0;
  const o7 = taps > 7 ? offsets[7]! : 0;
  const w7 = taps > 7 ? weights[7]! : 0;
  for (let i = start; i < end; i++) {
    let sum = 0;
    if (taps > 0) {
      sum += w0 * working[i + o0]!;
      if (taps > 1) {
        sum += w1 * working[i + o1]!;
        if (taps > 2) {
          sum += w2 * working[i + o2]!;
          if (taps > 3) {
            sum += w3 * working[i + o3]!;
            if (taps > 4) {
              sum += w4 * working[i + o4]!;
              if (taps > 5) {
                sum += w5 * working[i + o5]!;
                if (taps > 6) {
                  sum += w6 * working[i + o6]!;
                  if (taps > 7) sum += w7 * working[i + o7]!;
                }
              }
            }
          }
        }
      }
    }
    if (complete) complete(i, sum);
    else working[i] = sum + quantized[i]! * step;
  }
}

/**
 * Predictions for one block, walked row by row (a row = the last axis). Which axes have a predecessor
 * changes only at row starts, so the Lorenzo terms and the stencils' validity are set once per row.
 * Decoder and encoder go through whole rows (reconstructRow, quantizeRow); `at` predicts one value as
 * §7.2.1 states it, for the stencil network and as the reference the row runs are tested against. Terms
 * are summed in the order SPEC.md §7.2.1 fixes.
 */
export class BlockPredictor {
  private readonly constant: number | undefined;
  private readonly external: Float64Array | undefined;
  private readonly lorenzo: { offsets: Int32Array; signs: Float64Array }[] = [];
  /** The stencil, then its fallbacks: the first that applies predicts. */
  private readonly stencils: PlacedStencil[] = [];
  /** For `stencil-network`: the network's input, its runner and the input/output scaling. */
  private readonly correction:
    | {
        input: Float32Array;
        run: (input: Float32Array) => Float32Array;
        inputOffset: number;
        inputScale: number;
        outputScale: number;
      }
    | undefined;
  private first: { offsets: Int32Array; signs: Float64Array } = {
    offsets: new Int32Array(0),
    signs: new Float64Array(0),
  };
  private rest: { offsets: Int32Array; signs: Float64Array } = this.first;
  private readonly rank: number;

  /**
   * `predictions` holds the value of every position for a `model` predictor (see predictionsFromModel);
   * `network` is the file's network, which a `stencil-network` predictor runs.
   */
  constructor(
    spec: PredictorSpec,
    shape: readonly number[],
    predictions?: Float64Array,
    network?: DenseNetwork,
  ) {
    const rank = shape.length;
    this.rank = rank;
    const strides = stridesOf(shape);
    if (spec.name === 'constant') {
      this.constant = spec.value;
      return;
    }
    if (spec.name === 'model' || spec.name === 'block-model') {
      const n = shape.reduce((a, b) => a * b, 1);
      if (!predictions || predictions.length !== n) {
        throw formatErrors.malformedSection(
          'section "latents"',
          `the model predicts ${predictions?.length ?? 0} values for a stream of ${n}`,
        );
      }
      this.external = predictions;
      return;
    }
    if (rank > 16) throw formatErrors.unsupported('Lorenzo predictor rank', String(rank));
    // For each availability mask (axis 0 = most significant bit), the terms of the Lorenzo sum.
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
      this.lorenzo.push({ offsets: Int32Array.from(offsets), signs: Float64Array.from(signs) });
    }
    if (spec.name === 'stencil-network') {
      const first = network?.layers[0];
      const last = network?.layers[network.layers.length - 1];
      if (!first || !last || first.inputs !== spec.offsets.length || last.outputs !== 1) {
        throw formatErrors.malformedSection(
          'section "model"',
          network
            ? `the network maps ${first?.inputs} → ${last?.outputs}; the stencil-network predictor needs ${spec.offsets.length} → 1`
            : "the stencil-network predictor needs the file's network, and there is none",
        );
      }
      const weights = network!.layers.reduce((n, layer) => n + layer.inputs * layer.outputs, 0);
      if (weights > MAX_STENCIL_NETWORK_WEIGHTS)
        throw formatErrors.malformedSection(
          'section "model"',
          `a stencil network runs once per value: ${weights} weights is more than ${MAX_STENCIL_NETWORK_WEIGHTS}`,
        );
      let run = runners.get(network!);
      if (!run) {
        run = singleRowRunner(network!);
        runners.set(network!, run);
      }
      this.correction = {
        input: new Float32Array(spec.offsets.length),
        run,
        inputOffset: spec.inputOffset,
        inputScale: spec.inputScale,
        outputScale: spec.outputScale,
      };
    }
    if (spec.name === 'stencil' || spec.name === 'stencil-fallbacks' || spec.name === 'stencil-network') {
      const fallbacks = spec.name === 'stencil' ? [] : (spec.fallbacks ?? []);
      for (const stencil of [spec, ...fallbacks]) this.stencils.push(placeStencil(stencil, shape, strides));
    }
  }

  /** Prepares the row whose leading indices (all axes but the last) are `rowIndex`. */
  startRow(rowIndex: Int32Array): void {
    if (this.constant !== undefined || this.external !== undefined) return;
    let mask = 0;
    for (let d = 0; d < this.rank - 1; d++) mask = (mask << 1) | (rowIndex[d]! > 0 ? 1 : 0);
    this.first = this.lorenzo[mask << 1]!;
    this.rest = this.lorenzo[(mask << 1) | 1]!;
    for (const stencil of this.stencils) {
      let inside = true;
      for (let d = 0; d < this.rank - 1; d++) {
        const v = rowIndex[d]!;
        if (v < stencil.low[d]! || v >= stencil.high[d]!) inside = false;
      }
      stencil.rowInside = inside;
    }
  }

  /**
   * The decoder's working values of the current row: `W[i] = prediction(i) + Q[i] × step` for i = base …
   * base + length − 1 (SPEC.md §7.2 step 5; at an exception or a log-domain zero Q[i] = 0, and the sum is
   * then the prediction itself, as no prediction that reads W can be −0).
   */
  reconstructRow(
    working: Float64Array,
    quantized: Int32Array,
    base: number,
    length: number,
    step: number,
  ): void {
    this.predictRow(working, base, length, { quantized, step, complete: undefined });
  }

  /**
   * The encoder's pass over the current row: each prediction in order goes to `complete(i, p)`, which
   * sets W[i] before the next value is predicted.
   */
  quantizeRow(
    working: Float64Array,
    base: number,
    length: number,
    complete: (i: number, prediction: number) => void,
  ): void {
    this.predictRow(working, base, length, { quantized: NO_INDICES, step: 0, complete });
  }

  /**
   * Predicts the row's values in order and completes each as `how` says. Which stencil predicts (the
   * first that applies, else Lorenzo) changes only at a few places along a row, so the row runs as a
   * few tight loops.
   */
  private predictRow(working: Float64Array, base: number, length: number, how: RowCompletion): void {
    const constant = this.constant;
    const external = this.external;
    if (constant !== undefined || external !== undefined) {
      const { quantized, step, complete } = how;
      for (let i = base; i < base + length; i++) {
        const prediction = constant ?? external![i]!;
        if (complete) complete(i, prediction);
        else working[i] = prediction + quantized[i]! * step;
      }
      return;
    }
    const last = this.rank - 1;
    let x = 0;
    while (x < length) {
      // The first stencil that applies at x predicts until it stops applying or an earlier one starts.
      let end = length;
      let chosen = -1;
      for (let s = 0; s < this.stencils.length; s++) {
        const stencil = this.stencils[s]!;
        if (!stencil.rowInside) continue;
        const low = stencil.low[last]!;
        const high = stencil.high[last]!;
        if (x >= low && x < high) {
          chosen = s;
          end = Math.min(end, high);
          break;
        }
        if (low > x) end = Math.min(end, low);
      }
      if (chosen === 0 && this.correction !== undefined) {
        const { quantized, step, complete } = how;
        for (let i = base + x; i < base + end; i++) {
          const prediction = this.at(working, i, i - base);
          if (complete) complete(i, prediction);
          else working[i] = prediction + quantized[i]! * step;
        }
        x = end;
        continue;
      }
      let offsets: Int32Array;
      let weights: Float64Array;
      if (chosen >= 0) {
        const stencil = this.stencils[chosen]!;
        // Split when enough terms read earlier rows to be worth a pass of their own.
        const long = stencil.offsets.length > UNROLLED_TERMS;
        if (long && stencil.earlierRows >= SPLIT_TERMS && end - x >= SPLIT_RUN) {
          predictRunSplit(
            working,
            base + x,
            base + end,
            stencil.offsets,
            stencil.weights,
            stencil.earlierRows,
            how,
          );
          x = end;
          continue;
        }
        offsets = stencil.offsets;
        weights = stencil.weights;
      } else {
        const lorenzo = x === 0 ? this.first : this.rest;
        offsets = lorenzo.offsets;
        weights = lorenzo.signs;
        if (x === 0) end = 1;
      }
      predictRun(working, base + x, base + end, offsets, weights, how);
      x = end;
    }
  }

  /** The prediction for flat index `i`, at position `x` along the last axis of the current row. */
  at(working: Float64Array, i: number, x: number): number {
    if (this.constant !== undefined) return this.constant;
    if (this.external !== undefined) return this.external[i]!;
    const last = this.rank - 1;
    for (let s = 0; s < this.stencils.length; s++) {
      const stencil = this.stencils[s]!;
      if (!stencil.rowInside || x < stencil.low[last]! || x >= stencil.high[last]!) continue;
      const { offsets, weights } = stencil;
      let sum = 0;
      for (let k = 0; k < offsets.length; k++) sum += weights[k]! * working[i + offsets[k]!]!;
      const correction = this.correction;
      if (s > 0 || correction === undefined) return sum;
      const { input, inputOffset, inputScale } = correction;
      // The Float32Array store rounds each binary64 (W − offset) × scale to binary32 (SPEC.md §7.2.1).
      for (let k = 0; k < offsets.length; k++)
        input[k] = (working[i + offsets[k]!]! - inputOffset) * inputScale;
      return sum + correction.outputScale * correction.run(input)[0]!;
    }
    const { offsets, signs } = x > 0 ? this.rest : this.first;
    let sum = 0;
    for (let k = 0; k < offsets.length; k++) sum += signs[k]! * working[i + offsets[k]!]!;
    return sum;
  }
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

/**
 * The predictions a `model` predictor gives a stream: `offset + scale × out[r][output + c]` (binary64) for
 * each of `rows` rows and `width` positions per row, from the network's float32 output `[rows][outputs]`.
 */
export function predictionsFromModel(
  spec: Extract<PredictorSpec, { name: 'model' }>,
  out: Float32Array,
  outputs: number,
  rows: number,
  width: number,
): Float64Array {
  if (spec.output + width > outputs || out.length !== rows * outputs) {
    throw formatErrors.malformedMetadata(
      '$.method.predictor.output',
      `needs outputs ${spec.output}..${spec.output + width - 1} of a network with ${outputs}`,
    );
  }
  const predictions = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++)
      predictions[r * width + c] = spec.offset + spec.scale * out[r * outputs + spec.output + c]!;
  }
  return predictions;
}
