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
  | { name: 'stencil'; offsets: number[][]; weights: number[] }
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

/**
 * Predictions for one block, walked row by row (a row = the last axis). Which axes have a predecessor
 * changes only at row starts, so the Lorenzo terms and the stencil's validity are set once per row;
 * `at` then costs one short loop per value. Terms are summed in the order SPEC.md §7.2.1 fixes.
 */
export class BlockPredictor {
  private readonly constant: number | undefined;
  private readonly external: Float64Array | undefined;
  private readonly lorenzo: { offsets: Int32Array; signs: Float64Array }[] = [];
  private readonly stencilOffsets: Int32Array | undefined;
  private readonly stencilWeights: Float64Array | undefined;
  private readonly low: Int32Array;
  private readonly high: Int32Array;
  private first: { offsets: Int32Array; signs: Float64Array } = {
    offsets: new Int32Array(0),
    signs: new Float64Array(0),
  };
  private rest: { offsets: Int32Array; signs: Float64Array } = this.first;
  private stencilRow = false;
  private readonly rank: number;

  /** `predictions` holds the value of every position for a `model` predictor (see predictionsFromModel). */
  constructor(spec: PredictorSpec, shape: readonly number[], predictions?: Float64Array) {
    const rank = shape.length;
    this.rank = rank;
    const strides = stridesOf(shape);
    this.low = new Int32Array(rank);
    this.high = new Int32Array(rank);
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
    if (spec.name === 'stencil') {
      this.stencilOffsets = Int32Array.from(spec.offsets, (o) =>
        o.reduce((n, v, d) => n + v * strides[d]!, 0),
      );
      this.stencilWeights = Float64Array.from(spec.weights);
      for (let d = 0; d < rank; d++) {
        this.low[d] = Math.max(0, ...spec.offsets.map((o) => -o[d]!));
        this.high[d] = shape[d]! - Math.max(0, ...spec.offsets.map((o) => o[d]!));
      }
    }
  }

  /** Prepares the row whose leading indices (all axes but the last) are `rowIndex`. */
  startRow(rowIndex: Int32Array): void {
    if (this.constant !== undefined || this.external !== undefined) return;
    let mask = 0;
    let inside = this.stencilOffsets !== undefined;
    for (let d = 0; d < this.rank - 1; d++) {
      const v = rowIndex[d]!;
      mask = (mask << 1) | (v > 0 ? 1 : 0);
      if (v < this.low[d]! || v >= this.high[d]!) inside = false;
    }
    this.first = this.lorenzo[mask << 1]!;
    this.rest = this.lorenzo[(mask << 1) | 1]!;
    this.stencilRow = inside;
  }

  /** The prediction for flat index `i`, at position `x` along the last axis of the current row. */
  at(working: Float64Array, i: number, x: number): number {
    if (this.constant !== undefined) return this.constant;
    if (this.external !== undefined) return this.external[i]!;
    const last = this.rank - 1;
    if (this.stencilRow && x >= this.low[last]! && x < this.high[last]!) {
      const offsets = this.stencilOffsets!;
      const weights = this.stencilWeights!;
      let sum = 0;
      for (let k = 0; k < offsets.length; k++) sum += weights[k]! * working[i + offsets[k]!]!;
      return sum;
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
