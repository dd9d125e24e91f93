// Chooses how each column (or the field) is stored for the bound the user states: exact for text, 64-bit
// integers and discrete columns (charges, flags); otherwise quantized, in the log domain for pointwise
// relative bounds. The tolerance is what the encoder verifies for every value.
import type {
  Column,
  Dataset,
  ErrorBound,
  NumericArray,
  PredictorSpec,
  StreamPlan,
  Tolerance,
} from '@baler/format';
import { encodeStreamForTrial } from '@baler/format';
import type { BoundSpec, ColumnOverride } from './error-bound.ts';

/** Columns with at most this many distinct integral values are treated as discrete and kept exact. */
export const DISCRETE_MAX_DISTINCT = 32;
/** Quantization steps are shrunk by this factor so that floating-point rounding never lands on the bound. */
const STEP_SAFETY = 1 - 2 ** -30;

export const EXACT: StreamPlan = { method: { name: 'exact' }, bound: { kind: 'lossless' } };

export interface ColumnPlanReason {
  plan: StreamPlan;
  /** Why the column got this plan, for the user. */
  reason: string;
}

/** `range` is the column's max − min over all its values (needed for rel bounds when `column` is a piece). */
export function planColumn(
  column: Column,
  defaultBound: BoundSpec,
  overrides: readonly ColumnOverride[],
  range?: number,
): ColumnPlanReason {
  const override = overrides.find((o) => o.matches(column.name));
  const bound = override?.bound ?? defaultBound;
  if (column.dtype === 'string') return { plan: EXACT, reason: 'text' };
  if (column.dtype === 'int64' || column.dtype === 'uint64')
    return { plan: EXACT, reason: '64-bit integers' };
  const values = column.data as NumericArray;
  if (bound.kind === 'lossless') {
    const reason = override ? `--column ${override.pattern}` : 'lossless';
    return { plan: integerLosslessPlan(values) ?? EXACT, reason };
  }
  if (!override && isDiscrete(values))
    return { plan: integerLosslessPlan(values) ?? EXACT, reason: 'discrete values' };
  const plan = quantizedPlan(values, bound, { name: 'constant', value: 0 }, range);
  if (!plan) return { plan: EXACT, reason: noRoomReason(values, bound) };
  return {
    plan: withCentre(plan, values, bound.kind === 'pwrel'),
    reason: override ? `--column ${override.pattern}` : bound.kind,
  };
}

/**
 * Integer values (charges, flags, counts) kept exactly by the quantized method with step 1 and no
 * tolerance: entropy coding spends about one bit on a ±1 charge and a fraction of a bit on a rare flag,
 * where byte-oriented deflate cannot. Undefined when a value is not an integer within ±2^30.
 */
export function integerLosslessPlan(values: NumericArray): StreamPlan | undefined {
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // NaN and -0 are allowed: the quantizer stores them as exceptions.
    if (!Number.isNaN(v) && !(Number.isInteger(v) && Math.abs(v) <= 2 ** 30)) return undefined;
  }
  const plan: StreamPlan = {
    method: { name: 'quantized', domain: 'linear', step: 1, predictor: { name: 'constant', value: 0 } },
    bound: { kind: 'lossless' },
    tolerance: { absolute: 0, relative: 0 },
  };
  const centred = withCentre(plan, values, false);
  const centre = (centred.method.predictor as { value: number }).value;
  return {
    ...centred,
    method: { ...centred.method, predictor: { name: 'constant', value: Math.round(centre) } },
  };
}

/**
 * The quantized plan for `values` under `bound` with the given predictor, or undefined when the bound
 * leaves no room (a rel bound on a constant array) and the data should be stored exactly.
 */
export function quantizedPlan(
  values: NumericArray,
  bound: Exclude<BoundSpec, { kind: 'lossless' }>,
  predictor: PredictorSpec,
  range = finiteRange(values),
): StreamPlan | undefined {
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return undefined;
  let tolerance: Tolerance;
  let errorBound: ErrorBound;
  let step: number;
  if (bound.kind === 'pwrel') {
    // Below the dtype's relative spacing only the value itself is within the bound: store exactly.
    if (bound.value <= relativeResolution(values)) return undefined;
    tolerance = { absolute: 0, relative: bound.value };
    errorBound = { kind: 'pwrel', value: bound.value };
    // log1p: 1 + E rounds to 1 for E below 1.1e-16, and log2 of it to a step of 0.
    step = 2 * (Math.log1p(bound.value) / Math.LN2) * STEP_SAFETY;
  } else {
    const absolute = bound.kind === 'abs' ? bound.value : bound.value * range;
    // No room (constant data), or a range so wide the step would overflow: store exactly.
    if (!(absolute > 0) || !Number.isFinite(2 * absolute)) return undefined;
    tolerance = { absolute, relative: 0 };
    errorBound =
      bound.kind === 'abs' ? { kind: 'abs', value: absolute } : { kind: 'rel', value: bound.value, absolute };
    step = 2 * absolute * STEP_SAFETY;
  }
  const domain = bound.kind === 'pwrel' ? 'log' : 'linear';
  return { method: { name: 'quantized', domain, step, predictor }, bound: errorBound, tolerance };
}

/**
 * Pointwise relative bounds up to this leave no room to quantize: neighbouring values of the array's
 * type lie about this far apart relative to |x| or more (float32 2^−24, float64 2^−53, integers 1 in
 * up to 2^32), so exact storage loses nothing.
 */
function relativeResolution(values: NumericArray): number {
  if (values instanceof Float32Array) return 2 ** -24;
  if (values instanceof Float64Array) return 2 ** -53;
  return 2 ** -32;
}

/** Why quantizedPlan found no room for `values` under `bound` (it returned undefined), for the user. */
export function noRoomReason(values: NumericArray, bound: BoundSpec): string {
  return bound.kind === 'pwrel' && bound.value <= relativeResolution(values)
    ? `pwrel=${bound.value} is within the dtype's precision`
    : 'constant or non-finite';
}

/**
 * How quantized residuals are entropy-coded: `range`, the adaptive binary range coder (method `quantized`,
 * the smallest files), or `rans`, static rANS tables (method `quantized-rans`, ~3× faster to decode).
 */
export type ResidualCoder = 'range' | 'rans';

/** `plan` with its residuals coded by `coder` (exact plans are unchanged). */
export function withCoder(plan: StreamPlan, coder: ResidualCoder): StreamPlan {
  if (plan.method.name !== 'quantized' && plan.method.name !== 'quantized-rans') return plan;
  return { ...plan, method: { ...plan.method, name: coder === 'rans' ? 'quantized-rans' : 'quantized' } };
}

/** The name of a stream's predictor (undefined for exact storage). */
export const predictorOf = (p: StreamPlan) => (p.method.predictor as { name?: string } | undefined)?.name;

/** Whether a stream is predicted by a trained network (a decoder's output or a stencil network). */
export function predictedByNetwork(plan: StreamPlan): boolean {
  return ['model', 'block-model', 'stencil-network'].includes(predictorOf(plan) ?? '');
}

/**
 * Each range-coded stream of `plans` with a classical predictor recoded with static rANS when that codes
 * `piece` (the first piece) in as few bytes or fewer: the range coder adapts to statistics that drift
 * (CFD's fields, 2–6 % smaller), static tables suit streams whose statistics hold still (LHCb's columns
 * of independent rows), and a rANS stream decodes ~5× faster. Tables have a stream per column, a field
 * one. A network's streams keep their coder: coding them needs the network's predictions.
 */
export function withSmallerCoders(piece: Dataset, plans: StreamPlan[]): StreamPlan[] {
  if (piece.kind === 'field' && plans.length !== 1) return plans;
  return plans.map((plan, j) => {
    if (plan.method.name !== 'quantized' || predictedByNetwork(plan)) return plan;
    const { data, shape, dtype } =
      piece.kind === 'table'
        ? { data: piece.columns[j]!.data, shape: [piece.rowCount], dtype: piece.columns[j]!.dtype }
        : { data: piece.data, shape: piece.shape, dtype: piece.dtype };
    const rans = withCoder(plan, 'rans');
    const rangeBytes = encodeStreamForTrial(plan, data, shape, dtype).bytes;
    return encodeStreamForTrial(rans, data, shape, dtype).bytes <= rangeBytes ? rans : plan;
  });
}

/** Uses the median (of log2|x| in the log domain) as a column's constant prediction. */
function withCentre(plan: StreamPlan, values: NumericArray, log: boolean): StreamPlan {
  const finite: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (Number.isFinite(v) && (!log || v !== 0)) finite.push(log ? Math.log2(Math.abs(v)) : v);
  }
  finite.sort((a, b) => a - b);
  const median = finite.length > 0 ? finite[finite.length >> 1]! : 0;
  // Rounded so that the metadata stays short; any centre is valid, a good one only saves bits.
  const value = Number(median.toPrecision(6));
  return { ...plan, method: { ...plan.method, predictor: { name: 'constant', value } } };
}

export function isDiscrete(values: NumericArray): boolean {
  const seen = new Set<number>();
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isInteger(v)) return false;
    seen.add(v);
    if (seen.size > DISCRETE_MAX_DISTINCT) return false;
  }
  return true;
}

export function finiteRange(values: NumericArray): number {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return max > min ? max - min : 0;
}
