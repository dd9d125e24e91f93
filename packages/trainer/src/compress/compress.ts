// Compression end to end: plan every stream for the user's bound, let the field predictors compete in
// honest bytes, write the container, then decode the written bytes and check every value before anyone
// may keep the file.
import { createHash } from 'node:crypto';
import type { Dataset, Field, FileSummary, NumericArray, StreamPlan, Table, Tolerance } from '@baler/format';
import {
  bytesSource,
  checkBound,
  chooseGrid,
  chunkBox,
  encodeStreamForTrial,
  extractBlock,
  MemorySink,
  openBaler,
  readDataset,
  summarizeFile,
  writeDataset,
} from '@baler/format';
import type { BoundSpec, ColumnOverride } from './error-bound.ts';
import { describeBoundSpec } from './error-bound.ts';
import { EXACT, planColumn, quantizedPlan } from './plan.ts';
import { fitStencil, STENCIL_OFFSETS } from './stencil-fit.ts';

/** Values of the trial block on which field predictors compete (the first chunk, cut to this size). */
const TRIAL_VALUES = 1 << 20;
/** Stencils are also fitted on the trial block's first rows, about this many values: fits that see less
 * of the data sometimes generalize better, and the trial decides. */
const PREFIX_FIT_VALUES = 1 << 16;

export interface CompressOptions {
  bound: BoundSpec;
  overrides?: readonly ColumnOverride[];
  /** Rows (tables) or frames (fields) per chunk. */
  chunkRows?: number;
  /** The input as the user named it, recorded as provenance. */
  source?: string;
  /** Decode the written bytes and check every value (default true). */
  verify?: boolean;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface Verification {
  values: number;
  maxAbsoluteError: number;
  maxRelativeError: number;
}

export interface CompressResult {
  bytes: Uint8Array;
  plans: StreamPlan[];
  /** Why each stream got its plan (tables: per column). */
  reasons: string[];
  summary: FileSummary;
  verification: Verification | null;
}

export class BoundViolationError extends Error {
  override readonly name = 'BoundViolationError';
}

export async function compressDataset(dataset: Dataset, options: CompressOptions): Promise<CompressResult> {
  const overrides = options.overrides ?? [];
  const { plans, reasons } =
    dataset.kind === 'table'
      ? planTable(dataset, options.bound, overrides)
      : planField(dataset, options.bound, options.chunkRows);
  const sink = new MemorySink();
  const configHash = hashConfig({
    bound: describeBoundSpec(options.bound),
    overrides: overrides.map((o) => `${o.pattern}=${describeBoundSpec(o.bound)}`),
    chunkRows: options.chunkRows ?? null,
    methods: plans.map((p) => p.method),
  });
  await writeDataset(dataset, sink, plans, {
    ...(options.chunkRows ? { chunkRows: options.chunkRows } : {}),
    source: options.source ?? null,
    configHash,
    model: describeModel(plans),
    onChunk: (done, total) => options.onProgress?.('compress', done, total),
  });
  const bytes = sink.bytes();
  const file = await openBaler(bytesSource(bytes));
  const verification =
    options.verify === false ? null : await verify(dataset, await readDataset(file), plans);
  return { bytes, plans, reasons, summary: summarizeFile(file), verification };
}

function planTable(table: Table, bound: BoundSpec, overrides: readonly ColumnOverride[]) {
  const chosen = table.columns.map((c) => planColumn(c, bound, overrides));
  return { plans: chosen.map((c) => c.plan), reasons: chosen.map((c) => c.reason) };
}

/**
 * For a field, Lorenzo and least-squares stencils (fitted on the data, then refitted on the Lorenzo
 * reconstruction the decoder will actually see) compete on the first chunk; the fewest bytes win.
 */
function planField(
  field: Field,
  bound: BoundSpec,
  chunkRows?: number,
): { plans: StreamPlan[]; reasons: string[] } {
  if (bound.kind === 'lossless' || field.dtype === 'int64' || field.dtype === 'uint64') {
    return { plans: [EXACT], reasons: [bound.kind === 'lossless' ? 'lossless' : '64-bit integers'] };
  }
  const lorenzo = quantizedPlan(field.data, bound, { name: 'lorenzo' });
  if (!lorenzo) return { plans: [EXACT], reasons: ['constant or non-finite'] };
  const grid = chooseGrid(field, chunkRows ? { chunkRows } : {});
  const box = chunkBox(grid, 0);
  // Candidates compete on the first chunk, cut along axis 0 to about TRIAL_VALUES values: enough to rank
  // predictors, cheap enough that choosing costs less than compressing.
  const perRow = box.count.slice(1).reduce((a, b) => a * b, 1);
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

async function verify(
  original: Dataset,
  decoded: Dataset,
  plans: readonly StreamPlan[],
): Promise<Verification> {
  const result: Verification = { values: 0, maxAbsoluteError: 0, maxRelativeError: 0 };
  const streams: [NumericArray | string[], NumericArray | string[], StreamPlan, string][] =
    original.kind === 'table'
      ? original.columns.map((c, j) => [
          c.data,
          (decoded as Table).columns[j]!.data,
          plans[j] ?? EXACT,
          `column "${c.name}"`,
        ])
      : [[original.data, (decoded as Field).data, plans[0] ?? EXACT, 'the field']];
  for (const [a, b, plan, what] of streams) {
    result.values += a.length;
    if (Array.isArray(a) || Array.isArray(b) || !plan.tolerance) {
      if (!identical(a, b))
        throw new BoundViolationError(
          `verification failed: ${what} did not come back exactly; the file was not written.`,
        );
      continue;
    }
    const check = checkBound(a, b, plan.tolerance);
    if (check.firstViolation >= 0) {
      throw new BoundViolationError(
        `verification failed: value ${check.firstViolation} of ${what} breaks its bound (${describeTolerance(plan.tolerance)}); the file was not written. Please report this.`,
      );
    }
    result.maxAbsoluteError = Math.max(result.maxAbsoluteError, check.maxAbsoluteError);
    result.maxRelativeError = Math.max(result.maxRelativeError, check.maxRelativeError);
  }
  return result;
}

function identical(a: NumericArray | string[], b: NumericArray | string[]): boolean {
  if (a.length !== b.length) return false;
  if (Array.isArray(a) || Array.isArray(b))
    return Array.isArray(a) && Array.isArray(b) && a.every((v, i) => v === b[i]);
  if (a.BYTES_PER_ELEMENT !== b.BYTES_PER_ELEMENT) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return x.every((v, i) => v === y[i]);
}

function describeTolerance(t: Tolerance): string {
  return t.relative > 0 ? `|error| ≤ ${t.relative}·|x|` : `|error| ≤ ${t.absolute}`;
}

function describeModel(plans: readonly StreamPlan[]) {
  const stencils = plans.filter(
    (p) => (p.method.predictor as { name?: string } | undefined)?.name === 'stencil',
  );
  if (stencils.length === 0) return null;
  return {
    family: 'linear-stencil',
    description: 'least-squares linear predictor over decoded neighbours',
    streams: stencils.length,
  };
}

function hashConfig(config: unknown): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(config)).digest('hex')}`;
}
