// Choosing a field's predictor: Lorenzo against least-squares stencils (the smallest learned models
// Baler has), all competing in honest bytes on the first chunk.

import type { Field, LinearStencil, NumericArray, PredictorSpec, StreamPlan } from '@baler/format';
import { encodeStreamForTrial, extractBlock } from '@baler/format';
import { deflateSync } from 'fflate';
import type { BoundSpec } from './error-bound.ts';
import type { ResidualCoder } from './plan.ts';
import { EXACT, noRoomReason, quantizedPlan, withCoder } from './plan.ts';
import { edgeGroups, enoughToFit, fitFallbacks } from './stencil-fallbacks.ts';
import { farthestFirst, fitStencil, STENCIL_OFFSETS, selectOffsets } from './stencil-fit.ts';

/** Edge groups (by which neighbours they have) that may get a fallback stencil, largest first. */
const FALLBACK_CANDIDATES = 12;

/** Values of the trial block on which field predictors compete (the first chunk, cut to this size). */
const TRIAL_VALUES = 1 << 18;
/** Stencils are also fitted on the trial block's first rows, about this many values: fits that see less
 * of the data sometimes generalize better, and the trial decides. */
const PREFIX_FIT_VALUES = 1 << 16;

export interface FieldPlanOptions {
  /** How the residuals are coded (default `range`, the smallest files). */
  coder?: ResidualCoder;
  /** At most this many neighbours per stencil, chosen by least squares (decoding time grows with each). */
  maxTaps?: number;
}

/**
 * The plan for a field whose first chunk is `field`: Lorenzo, and stencils fitted on the data and on
 * reconstructions like the one the decoder will see; the fewest bytes win. `range` is the whole field's
 * max − min (for rel bounds).
 */
export function planField(
  field: Field,
  bound: BoundSpec,
  range?: number,
  options: FieldPlanOptions = {},
): { plans: StreamPlan[]; reasons: string[] } {
  if (bound.kind === 'lossless' || field.dtype === 'int64' || field.dtype === 'uint64') {
    return { plans: [EXACT], reasons: [bound.kind === 'lossless' ? 'lossless' : '64-bit integers'] };
  }
  const classical = quantizedPlan(field.data, bound, { name: 'lorenzo' }, range);
  const lorenzo = classical && withCoder(classical, options.coder ?? 'range');
  if (!lorenzo) return { plans: [EXACT], reasons: [noRoomReason(field.data, bound)] };
  if (field.data.length === 0) return { plans: [lorenzo], reasons: ['Lorenzo predictor'] };
  const perRow = field.shape.slice(1).reduce((a, b) => a * b, 1);
  const box = { start: field.shape.map(() => 0), count: [...field.shape] };
  box.count[0] = Math.max(1, Math.min(box.count[0]!, Math.ceil(TRIAL_VALUES / Math.max(perRow, 1))));
  const block = extractBlock(field.data, field.shape, box.start, box.count);
  const log = bound.kind === 'pwrel';
  const working = toWorkingDomain(block, log);
  const trial = (plan: StreamPlan) => encodeStreamForTrial(plan, block, box.count, field.dtype);
  let best = { plan: lorenzo, reason: 'Lorenzo predictor', ...trial(lorenzo) };
  const candidates = STENCIL_OFFSETS[box.count.length];
  if (candidates) {
    // Fit on the data, and on reconstructions like the one the decoder will see (whose neighbours carry
    // the quantization error); keep whichever costs the fewest bytes.
    const prefixRows = Math.max(
      1,
      Math.min(box.count[0]!, Math.ceil(PREFIX_FIT_VALUES / Math.max(perRow, 1))),
    );
    const attempt = (source: Float64Array, reason: string, rows: number, offsets = chosenOffsets) => {
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
    let chosenOffsets = candidates;
    if (options.maxTaps !== undefined && options.maxTaps < candidates.length) {
      // Farthest neighbour first: the sum's order is the file's to choose, and with the value just
      // before last, the rest of a short sum does not wait for it (a shorter chain from one value to
      // the next; long stencils are limited by the number of terms instead, and keep their order, on
      // which the edge groups of the fallbacks depend).
      const ordered = farthestFirst(candidates, box.count);
      // The neighbours in least-squares order; how many of them pays best, a trial decides.
      const order = selectOffsets(working, lorenzoReconstruction, box.count, ordered, options.maxTaps);
      // At most maxTaps neighbours even if no fit below succeeds (then Lorenzo wins the trials anyway).
      chosenOffsets = ordered.filter((o) => order.includes(o));
      let fewest = Number.POSITIVE_INFINITY;
      for (let taps = 1; taps <= order.length; taps++) {
        const offsets = ordered.filter((o) => order.slice(0, taps).includes(o));
        const bytes =
          attempt(
            lorenzoReconstruction,
            'learned stencil (fit on the Lorenzo reconstruction)',
            box.count[0]!,
            offsets,
          )?.bytes ?? Number.POSITIVE_INFINITY;
        if (bytes < fewest) [fewest, chosenOffsets] = [bytes, offsets];
      }
    }
    for (const rows of prefixRows < box.count[0]! ? [box.count[0]!, prefixRows] : [box.count[0]!]) {
      const part = rows === box.count[0] ? '' : `, first ${rows} rows`;
      const fitted = attempt(working, `learned stencil (fit on data${part})`, rows);
      attempt(lorenzoReconstruction, `learned stencil (fit on the Lorenzo reconstruction${part})`, rows);
      if (fitted) {
        const own = toWorkingDomain(fitted.decoded as NumericArray, log);
        attempt(own, `learned stencil (fit on its own reconstruction${part})`, rows);
      }
    }
    if ((best.plan.method.predictor as unknown as PredictorSpec).name === 'stencil') {
      const source = toWorkingDomain(best.decoded as NumericArray, log);
      best = withFallbacks(best, working, source, box.count, trial);
    }
  }
  return { plans: [best.plan], reasons: [best.reason] };
}

/**
 * The plan with each stencil's terms (the fallbacks' too) in farthest-first order: the same weights,
 * summed so that the value decoded just before comes last and the rest of the sum need not wait for it
 * (farthestFirst). The sum rounds differently in the last bits, which the writer's check covers; the
 * long stencils of the default plan decode ~10 % faster and encode ~5 % faster, in files of the same size.
 * For the final plan only: a stencil network reads the terms in list order, and trains differently on
 * another order.
 */
export function withFarthestTermsFirst(plan: StreamPlan, shape: readonly number[]): StreamPlan {
  const predictor = plan.method.predictor as unknown as PredictorSpec | undefined;
  if (predictor?.name !== 'stencil' && predictor?.name !== 'stencil-fallbacks') return plan;
  const reordered = (stencil: LinearStencil): LinearStencil => {
    const offsets = farthestFirst(stencil.offsets, shape);
    return { offsets, weights: offsets.map((o) => stencil.weights[stencil.offsets.indexOf(o)]!) };
  };
  return withPredictor(
    plan,
    predictor.name === 'stencil'
      ? { ...predictor, ...reordered(predictor) }
      : { ...predictor, ...reordered(predictor), fallbacks: predictor.fallbacks.map(reordered) },
  );
}

/**
 * Adds fallback stencils for the edges, one edge group at a time while each pays for its weights (their
 * compressed JSON counted against the residual bytes it saves), fitted on the reconstruction `source`.
 */
function withFallbacks<T extends { plan: StreamPlan; reason: string; bytes: number; decoded: unknown }>(
  best: T,
  working: Float64Array,
  source: Float64Array,
  shape: number[],
  trial: (plan: StreamPlan) => { bytes: number; decoded: unknown },
): T {
  const stencil = best.plan.method.predictor as unknown as Extract<PredictorSpec, { name: 'stencil' }>;
  const groups = edgeGroups(shape, stencil.offsets);
  const candidates = groups.filter(enoughToFit).slice(0, FALLBACK_CANDIDATES);
  let chosen: number[] = [];
  let result = best;
  let resultCost = best.bytes; // the residual bytes plus the fallbacks' JSON
  for (const candidate of candidates) {
    const fit = fitFallbacks(working, source, shape, stencil.offsets, groups, [
      ...chosen,
      candidate.available,
    ]);
    const { fallbacks } = fit;
    if (fallbacks.length === 0) continue;
    const plan = withPredictor(best.plan, { ...stencil, name: 'stencil-fallbacks', fallbacks });
    const attempt = { ...best, plan, ...trial(plan) };
    const cost = attempt.bytes + jsonBytes(fallbacks);
    if (cost < resultCost) {
      chosen = fit.masks;
      result = { ...attempt, reason: `${best.reason}, ${fallbacks.length} edge fallbacks` };
      resultCost = cost;
    }
  }
  return result;
}

/** What fallback stencils add to the metadata, roughly: their JSON, deflated. */
function jsonBytes(fallbacks: readonly LinearStencil[]): number {
  return fallbacks.length === 0 ? 0 : deflateSync(new TextEncoder().encode(JSON.stringify(fallbacks))).length;
}

function withPredictor(plan: StreamPlan, predictor: PredictorSpec): StreamPlan {
  return { ...plan, method: { ...plan.method, predictor } };
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
  return withPredictor(plan, { name: 'stencil', offsets, weights });
}
