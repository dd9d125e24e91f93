// One evaluation of a trial, for real: train (or continue training) the trial's model directory to the
// rung's epochs, compress the dataset with it competing against the classical predictors, then decode
// the file to time decoding and measure the errors column by column.
//
// Decoding goes through @baler/format's openBaler + readDataset: the same code @baler/decoder's
// openBytes runs for bytes in memory (it only adds read-ahead for remote sources), without making the
// trainer depend on the decoder package (dependencies point cli → trainer → format ← decoder).
import { rm } from 'node:fs/promises';
import type { Dataset, NumericArray } from '@baler/format';
import { bytesSource, openBaler, readDataset } from '@baler/format';
import { compressDataset } from '../compress/compress.ts';
import { parseBound, parseColumnOverride } from '../compress/error-bound.ts';
import { predictedByNetwork } from '../compress/plan.ts';
import { loadModelDir } from '../models/model-dir.ts';
import { hasCheckpoint } from '../train/checkpoint.ts';
import { trainToModelDir } from '../train/train-dir.ts';
import { CLASSICAL, STENCIL_NETWORK } from './definition.ts';
import type { ColumnError, TrialMeasurement } from './results.ts';
import type { Trial } from './trials.ts';

export interface TrialTask {
  trial: Trial;
  rung: number;
  /** Epochs the model should have trained when this evaluation measures it (0: classical, nothing to train). */
  epochs: number;
  dataset: Dataset;
  /** The dataset as the definition names it (provenance in the model directory and the file). */
  source: string;
  bound: string;
  columns: readonly string[];
  /** The trial's model directory: created at rung 0, trained further at later rungs. */
  modelDir: string;
}

/** Evaluates one trial at one rung; the sweep runs it in a worker process, tests inject a fake. */
export type TrialRunner = (task: TrialTask) => Promise<TrialMeasurement>;

/** Decoding is timed over this many reads after a warm-up one; the fastest counts. */
const DECODE_READS = 3;

export async function evaluateTrial(task: TrialTask): Promise<TrialMeasurement> {
  const { config } = task.trial;
  let trainSeconds = 0;
  let model: Awaited<ReturnType<typeof loadModelDir>> | undefined;
  if (config.model !== CLASSICAL && config.model !== STENCIL_NETWORK) {
    // Later rungs continue the checkpoint (only the epoch count grows); a rung 0 that was interrupted
    // starts over from a clean directory.
    const resume = task.rung > 0 && (await hasCheckpoint(task.modelDir));
    if (!resume) await rm(task.modelDir, { recursive: true, force: true });
    const trained = await trainToModelDir(task.dataset, task.modelDir, {
      modelName: config.model,
      model: {
        ...(config.latent !== undefined ? { latent: config.latent } : {}),
        ...(config.widths !== undefined ? { encoder: config.widths } : {}),
        ...(config.block !== undefined ? { block: config.block } : {}),
      },
      training: {
        epochs: task.epochs,
        ...(config.batchSize !== undefined ? { batchSize: config.batchSize } : {}),
        ...(config.learningRate !== undefined ? { learningRate: config.learningRate } : {}),
        ...(config.rateStep ? { rateStep: config.rateStep } : {}),
        ...(config.seed !== undefined ? { seed: config.seed } : {}),
        threads: 1,
      },
      resume,
      ...(config.weightPrecision !== undefined ? { weightPrecision: config.weightPrecision } : {}),
      source: task.source,
      log: () => {},
    });
    trainSeconds = trained.seconds;
    model = await loadModelDir(task.modelDir);
  }
  let candidate: TrialMeasurement['candidate'] = null;
  if (config.model === STENCIL_NETWORK && task.dataset.kind !== 'field')
    throw new Error(
      `model ${STENCIL_NETWORK} predicts fields from their neighbours; ${task.source} is a table`,
    );
  // A stencil network trains inside compress (no model directory), at the rung's epochs, and alone:
  // the block autoencoders compress would also try are other trials' business.
  const stencilNetwork =
    config.model === STENCIL_NETWORK
      ? {
          learn: true,
          learnBlocks: { blocks: [] },
          learnStencilNetwork: {
            epochs: task.epochs,
            ...(config.widths !== undefined ? { hidden: config.widths } : {}),
            ...(config.batchSize !== undefined ? { batchSize: config.batchSize } : {}),
            ...(config.learningRate !== undefined ? { learningRate: config.learningRate } : {}),
            ...(config.seed !== undefined ? { seed: config.seed } : {}),
          },
        }
      : {};
  let trainingStarted: number | undefined;
  const compressed = await compressDataset(task.dataset, {
    bound: parseBound(task.bound),
    overrides: task.columns.map(parseColumnOverride),
    source: task.source,
    ...(model ? { model } : {}),
    ...stencilNetwork,
    onProgress: (stage, learnedBytes, classicalBytes) => {
      // 'train' reports epoch 0 when training starts, then each epoch done.
      if (stage === 'train') {
        trainingStarted ??= performance.now();
        trainSeconds = (performance.now() - trainingStarted) / 1000;
      }
      if (stage === 'learn') candidate = { learnedBytes, classicalBytes };
    },
  });
  const modelUsed = compressed.plans.some(predictedByNetwork);
  const file = await openBaler(bytesSource(compressed.bytes));
  let decoded = await readDataset(file);
  let fastest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < DECODE_READS; i++) {
    const started = performance.now();
    decoded = await readDataset(file);
    fastest = Math.min(fastest, (performance.now() - started) / 1000);
  }
  const summary = compressed.summary;
  const columns = columnErrors(task.dataset, decoded);
  return {
    bytes: compressed.bytes.length,
    ratio: summary.ratioToFloat32,
    maxAbsError: Math.max(0, ...columns.map((c) => c.maxAbsError)),
    maxRelError: Math.max(0, ...columns.map((c) => c.maxRelError)),
    maxRangeRelError: Math.max(0, ...columns.map((c) => c.maxRangeRelError)),
    columns,
    modelUsed,
    ...(model || config.model === STENCIL_NETWORK ? { candidate } : {}),
    trainSeconds,
    decodeMBps: summary.float32Bytes / 1e6 / Math.max(fastest, 1e-9),
  };
}

/**
 * The largest errors of every column (or of the field): absolute, relative to each value (over the
 * non-zero finite values: a zero kept as a tiny value has no meaningful relative error) and relative to
 * the column's range.
 */
export function columnErrors(original: Dataset, decoded: Dataset): ColumnError[] {
  if (original.kind === 'field' && decoded.kind === 'field') {
    return [errorsOf('field', original.data, decoded.data)];
  }
  if (original.kind !== 'table' || decoded.kind !== 'table')
    throw new Error('decoded a different kind of dataset');
  return original.columns.flatMap((column, j) => {
    const after = decoded.columns[j]!.data;
    if (Array.isArray(column.data) || Array.isArray(after)) return [];
    return [errorsOf(column.name, column.data, after)];
  });
}

function errorsOf(name: string, a: NumericArray, b: NumericArray): ColumnError {
  let maxAbsError = 0;
  let maxRelError = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]!);
    if (!Number.isFinite(x)) continue;
    if (x < min) min = x;
    if (x > max) max = x;
    const error = Math.abs(x - Number(b[i]!));
    if (error > maxAbsError) maxAbsError = error;
    if (x !== 0 && error / Math.abs(x) > maxRelError) maxRelError = error / Math.abs(x);
  }
  const maxRangeRelError = max > min ? maxAbsError / (max - min) : 0;
  return { name, maxAbsError, maxRelError, maxRangeRelError };
}
