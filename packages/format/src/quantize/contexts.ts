// The contexts of the quantized methods (SPEC.md §7.2 step 2): each value's quantization index is coded
// with statistics chosen by its already-decoded neighbours' indices, as residuals of a good predictor
// cluster in space, in size and in sign. Encoder, decoders and both coders share this code.
import type { PredictorSpec } from './predictors.ts';
import { stridesOf } from './predictors.ts';

/** Whether every value of a stream is coded in context 0 (SPEC.md §7.2 step 2: constant and model). */
export function contextFree(predictor: PredictorSpec): boolean {
  return predictor.name === 'constant' || predictor.name === 'model';
}

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
/**
 * Walks a block's rows (the last axis) in C order and yields, per row, the strides of the axes that have
 * a predecessor — the neighbours whose |q| form the context. Shared by encoder and decoder.
 */
export class RowWalk {
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
 * space, in size and in sign. The coders' loops hoist the row's neighbour strides (RowWalk) and keep
 * the index to the left (`left`, 0 at a row's start or after an exception) in a register.
 */
export function contextAt(
  left: number,
  quantized: Int32Array,
  i: number,
  strides: Int32Array,
  count: number,
): number {
  return CONTEXT_OF_KEY[contextKey(left, quantized, i, strides, count)]!;
}

/**
 * The context key of value i: min(Σ|q|, 15) × 65 + Σ sign(q) + 32 over its predecessors (`left` and
 * those at `strides`), from which CONTEXT_OF_KEY gives the context. Decoding loops look a context's
 * table up by key (byContextKey): one lookup instead of two dependent ones on the chain from one value to
 * the next.
 */
export function contextKey(
  left: number,
  quantized: Int32Array,
  i: number,
  strides: Int32Array,
  count: number,
): number {
  // Branch-free |q| and sign(q): residual signs are random, and mispredicted branches cost more than
  // the rest of the decoding.
  const leftNegative = left >> 31;
  let sum = (left ^ leftNegative) - leftNegative;
  let signs = leftNegative | (-left >>> 31);
  for (let k = 0; k < count; k++) {
    const q = quantized[i - strides[k]!]!;
    const negative = q >> 31;
    sum += (q ^ negative) - negative;
    signs += negative | (-q >>> 31);
  }
  // 65 = SIGN_KEYS, 32 = MAX_RANK, as literals: a bundler turns module constants into variables.
  return Math.min(sum, 15) * 65 + signs + 32;
}

/** How many sums of signs + MAX_RANK there are: the stride of a context key's sum part. */
const SIGN_KEYS = 2 * MAX_RANK + 1;

/** The context of each context key. */
const CONTEXT_OF_KEY = Uint8Array.from(
  { length: CONTEXT_OF_SUM.length * SIGN_KEYS },
  (_, key) => CONTEXT_OF_SUM[Math.floor(key / SIGN_KEYS)]! * 3 + SIGN_CONTEXT[key % SIGN_KEYS]!,
);

/** `perContext` (an entry per context) indexed by context key instead. */
export function byContextKey(perContext: Int32Array): Int32Array {
  return Int32Array.from(CONTEXT_OF_KEY, (context) => perContext[context]!);
}
