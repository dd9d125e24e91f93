// Choosing a field's predictor: Lorenzo against least-squares stencils (the smallest learned models
// Baler has), all competing in honest bytes on the first chunk.

import type { Field, NumericArray, StreamPlan } from '@baler/format';
import { encodeStreamForTrial, extractBlock } from '@baler/format';
import type { BoundSpec } from './error-bound.ts';
import { EXACT, quantizedPlan } from './plan.ts';
import { fitStencil, STENCIL_OFFSETS } from './stencil-fit.ts';

/** Values of the trial block on which field predictors compete (the first chunk, cut to this size). */
const TRIAL_VALUES = 1 << 18;
/** Stencils are also fitted on the trial block's first rows, about this many values: fits that see less
 * of the data sometimes generalize better, and the trial decides. */
const PREFIX_FIT_VALUES = 1 << 16;

/**
 * The plan for a field whose first chunk is `field`: Lorenzo, and stencils fitted on the data and on
 * reconstructions like the one the decoder will see; the fewest bytes win. `range` is the whole field's
 * max − min (for rel bounds).
 */
export function planField(
  field: Field,
  bound: BoundSpec,
  range?: number,
): { plans: StreamPlan[]; reasons: string[] } {
  if (bound.kind === 'lossless' || field.dtype === 'int64' || field.dtype === 'uint64') {
    return { plans: [EXACT], reasons: [bound.kind === 'lossless' ? 'lossless' : '64-bit integers'] };
  }
  const lorenzo = quantizedPlan(field.data, bound, { name: 'lorenzo' }, range);
  if (!lorenzo) return { plans: [EXACT], reasons: ['constant or non-finite'] };
  if (field.data.length === 0) return { plans: [lorenzo], reasons: ['Lorenzo predictor'] };
  const perRow = field.shape.slice(1).reduce((a, b) => a * b, 1);
  const box = { start: field.shape.map(() => 0), count: [...field.shape] };
  box.count[0] = Math.max(1, Math.min(box.count[0]!, Math.ceil(TRIAL_VALUES / Math.max(perRow, 1))));
  const block = extractBlock(field.data, field.shape, box.start, box.count);
  const log = bound.kind === 'pwrel';
  const working = toWorkingDomain(block, log);
  const trial = (plan: StreamPlan) => encodeStreamForTrial(plan, block, box.count, field.dtype);
  let best = { plan: lorenzo, reason: 'Lorenzo predictor', ...trial(lorenzo) };
  const offsets = STENCIL_OFFSETS[box.count.length];
  if (offsets) {
    // Fit on the data, and on reconstructions like the one the decoder will see (whose neighbours carry
    // the quantization error); keep whichever costs the fewest bytes.
    const prefixRows = Math.max(
      1,
      Math.min(box.count[0]!, Math.ceil(PREFIX_FIT_VALUES / Math.max(perRow, 1))),
    );
    const attempt = (source: Float64Array, reason: string, rows: number) => {
      const shape = [rows, ...box.count.slice(1)];
      const size = rows * perRow;
      const weights = fitStencil(working.subarray(0, size), source.subarray(0, size), shape, offsets);
      if (!weights) return undefined;
      const plan = withStencil(lorenzo, offsets, weights);
      const result = { plan, reason, ...trial(plan) };
      if (result.bytes < best.bytes) best = result;
      return result;
    };
    const lorenzoReconstruction = toWorkingDomain(best.decoded as NumericArray, log);
    for (const rows of prefixRows < box.count[0]! ? [box.count[0]!, prefixRows] : [box.count[0]!]) {
      const part = rows === box.count[0] ? '' : `, first ${rows} rows`;
      const fitted = attempt(working, `learned stencil (fit on data${part})`, rows);
      attempt(lorenzoReconstruction, `learned stencil (fit on the Lorenzo reconstruction${part})`, rows);
      if (fitted) {
        const own = toWorkingDomain(fitted.decoded as NumericArray, log);
        attempt(own, `learned stencil (fit on its own reconstruction${part})`, rows);
      }
    }
  }
  return { plans: [best.plan], reasons: [best.reason] };
}

/** The values the predictors work on: the values themselves, or log2|x| in the log domain. */
function toWorkingDomain(values: NumericArray, log: boolean): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    out[i] = log ? Math.log2(Math.abs(v)) : v;
  }
  return out;
}

function withStencil(plan: StreamPlan, offsets: number[][], weights: number[]): StreamPlan {
  return { ...plan, method: { ...plan.method, predictor: { name: 'stencil', offsets, weights } } };
}
