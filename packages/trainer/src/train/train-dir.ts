// Training end to end, from a dataset to a model directory: choose the normalization, create the model,
// train with checkpoints in MODEL_DIR/checkpoint/, then write the directory. With `resume`, everything
// (model, normalization, training settings) comes from the checkpoint; only the epoch count may grow.

import type { Dataset } from '@baler/format';
import { parseDenseOnnx } from '@baler/format';
import { DataInputError } from '../io/errors.ts';
import { defaultBlockShapes, principalBlockModel, trainingBlocks } from '../models/block-ae.ts';
import { extractDecoder } from '../models/decoder.ts';
import type { DenseAeConfig, DenseModel } from '../models/dense-ae.ts';
import {
  MODEL_DIR_FILES,
  type ModelDirConfig,
  saveModelDir,
  type TrainingDataSummary,
} from '../models/model-dir.ts';
import { createModel, denseModelFromConfig, listModels } from '../models/registry.ts';
import type { WeightPrecision } from '../onnx/to-onnx.ts';
import { exportDecoder } from '../onnx/weight-precision.ts';
import { type CheckpointMeta, readCheckpoint, writeCheckpoint } from './checkpoint.ts';
import { type BackendChoice, initTensorflow } from './engine.ts';
import { encodeLatents } from './inference.ts';
import type { TrainingMatrix } from './matrix.ts';
import { datasetToMatrix } from './matrix.ts';
import { fitNormalization, normalize } from './normalization.ts';
import {
  type EpochRecord,
  resolveTrainingConfig,
  type TrainingConfig,
  type TrainingState,
  type TrainProgress,
  type TrainResult,
  trainModel,
} from './train.ts';

export interface TrainDirOptions {
  /** Registry name (default `dense-ae`). */
  modelName?: string;
  /** Overrides of the preset's config, e.g. `{ latent: 13 }`. */
  model?: Partial<Omit<DenseAeConfig, 'inputs'>>;
  training?: Partial<TrainingConfig>;
  /** Continue the training in `dir`'s checkpoint; `training.epochs` may raise the epoch count. */
  resume?: boolean;
  /** The input as the user named it, recorded in config.json. */
  source?: string;
  /** How decoder.onnx stores the decoder's weights (default float32); biases are corrected on the data. */
  weightPrecision?: WeightPrecision;
  backend?: BackendChoice;
  /** Where the backend report goes (default stderr). */
  log?: (line: string) => void;
  onEpoch?: (record: EpochRecord) => void;
  onProgress?: (progress: TrainProgress) => void;
}

export interface TrainDirResult {
  config: ModelDirConfig;
  result: TrainResult;
  /** Seconds from start to the written directory. */
  seconds: number;
}

/** Trains a model on `dataset` and writes it to the model directory `dir`. */
export async function trainToModelDir(
  dataset: Dataset,
  dir: string,
  options: TrainDirOptions = {},
): Promise<TrainDirResult> {
  const started = performance.now();
  const source = options.source ?? 'input';
  const matrix = datasetToMatrix(dataset, source);
  const data: TrainingDataSummary = {
    kind: matrix.kind,
    rows: matrix.rows,
    features: matrix.features,
    sampleShape: matrix.sampleShape,
    names: matrix.names,
    ...(options.source ? { source: options.source } : {}),
  };
  let meta: CheckpointMeta;
  let model: DenseModel;
  let resumeState: TrainingState | undefined;
  if (options.resume) {
    const checkpoint = await readCheckpoint(dir);
    meta = checkpoint.meta;
    resumeState = checkpoint.state;
    checkSameData(meta, data, source);
    meta.training = resolveTrainingConfig({
      ...meta.training,
      ...(options.training?.epochs ? { epochs: options.training.epochs } : {}),
    });
    model = denseModelFromConfig(meta.name, meta.model, resumeState.params);
  } else {
    const name = options.modelName ?? 'dense-ae';
    const training = resolveTrainingConfig(options.training);
    const block = blockShapeFor(name, options.model?.block, matrix, source);
    const inputs = block ? block.reduce((a, b) => a * b, 1) : matrix.features;
    model = createModel(
      name,
      { ...options.model, inputs, ...(block ? { block } : {}) },
      { seed: training.seed },
    );
    meta = { name, model: model.config, normalization: fitNormalization(matrix), training, data };
  }
  const backend = await initTensorflow({
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const { block } = meta.model;
  // A block autoencoder trains on the field's blocks, each normalized by its own mean and deviation
  // (compression stores those per block in the file); a linear one starts from the principal components.
  const normalized = block
    ? trainingBlocks(matrix.values, [matrix.rows, ...matrix.sampleShape], block)
    : normalize(meta.normalization, matrix.values, matrix.features);
  if (block && !resumeState && model.config.encoder.length === 0) {
    model = {
      ...model,
      params: principalBlockModel(model.name, normalized, model.config.inputs, model.config.latent).params,
    };
  }
  const result = await trainModel(model, normalized, {
    config: meta.training,
    ...(resumeState ? { resume: resumeState } : {}),
    ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    checkpoint: (state) => writeCheckpoint(dir, state, meta),
  });
  const weightPrecision = options.weightPrecision ?? 'float32';
  const frozenDecoder =
    weightPrecision === 'float32'
      ? undefined
      : await fineTuneAroundRounding(result.model, normalized, meta.training, weightPrecision);
  const trained = frozenDecoder ?? result.model;
  const latents = weightPrecision === 'float32' ? undefined : await encodeLatents(trained, normalized);
  const decoderOnnx = exportDecoder(
    extractDecoder(trained),
    weightPrecision,
    // Rows of latents: one per sample the model saw (a frame or table row; a block for block-ae).
    latents ? { latents, rows: latents.length / trained.config.latent } : undefined,
  );
  const last = result.log.at(-1);
  const best = result.log.find((r) => r.epoch === result.bestEpoch);
  const config = await saveModelDir(dir, {
    model: trained,
    normalization: meta.normalization,
    training: meta.training,
    log: result.log,
    data: meta.data ?? data,
    outcome: {
      epochs: last?.epoch ?? 0,
      bestEpoch: result.bestEpoch,
      loss: best?.loss ?? null,
      validationLoss: best?.validationLoss ?? null,
      stoppedEarly: result.stoppedEarly,
      backend,
      samplesPerSecond: result.samplesPerSecond,
      seconds: result.log.reduce((sum, r) => sum + r.seconds, 0),
    },
    // The frozen decoder, ready for onnxruntime in any language and for a .baler file's model section.
    artifacts: { [MODEL_DIR_FILES.decoderOnnx]: decoderOnnx },
    weightPrecision,
  });
  return { config, result, seconds: (performance.now() - started) / 1000 };
}

/**
 * The block shape of a `block-ae` model (undefined for other families): the one asked for, or the first
 * default for the field's shape. A DataInputError when the data is a table or the rank differs.
 */
function blockShapeFor(
  name: string,
  asked: number[] | undefined,
  matrix: TrainingMatrix,
  source: string,
): number[] | undefined {
  const family = listModels().find((m) => m.name === name)?.config.family;
  if (family !== 'block-ae') return undefined;
  const shape = [matrix.rows, ...matrix.sampleShape];
  if (matrix.kind !== 'field') {
    throw new DataInputError({
      path: source,
      problem: `is a table, and ${name} learns blocks of a field`,
      fix: 'Train a dense-ae model on tables.',
    });
  }
  const block = asked ?? defaultBlockShapes(shape)[0]!;
  if (block.length !== shape.length) {
    throw new DataInputError({
      path: source,
      problem: `has rank ${shape.length} but the block [${block.join(', ')}] has rank ${block.length}`,
      fix: `Give one block extent per axis of the field, e.g. "block": [${defaultBlockShapes(shape)[0]!.join(', ')}].`,
    });
  }
  return block;
}

function checkSameData(meta: CheckpointMeta, data: TrainingDataSummary, source: string): void {
  const was = meta.data;
  if (!was) return;
  const same =
    was.kind === data.kind &&
    was.features === data.features &&
    was.rows === data.rows &&
    was.names.length === data.names.length &&
    was.names.every((n, i) => n === data.names[i]);
  if (!same) {
    throw new DataInputError({
      path: source,
      problem: `is not the data the checkpoint was trained on (${describe(was)}; this is ${describe(data)})`,
      fix: `Resume with ${was.source ?? 'the same input'}, or start a new training.`,
    });
  }
}

function describe(data: TrainingDataSummary): string {
  return data.kind === 'table'
    ? `a table of ${data.rows} × ${data.features}`
    : `a field of ${data.rows} × [${data.sampleShape.join(' × ')}]`;
}

/** Epochs of fine-tuning after the decoder's weights are rounded: a tenth of the training, 5 to 50. */
const fineTuneEpochs = (epochs: number) => Math.max(5, Math.min(50, Math.round(epochs / 10)));

/**
 * Rounds the decoder's weights to `precision` (as decoder.onnx stores them) and fine-tunes the rest —
 * the encoder and every bias — around them for a few epochs, with a fresh optimizer, so the latents and
 * biases absorb what the rounding lost. The returned model's decoder weights are the rounded ones.
 */
async function fineTuneAroundRounding(
  model: DenseModel,
  data: Float32Array,
  training: TrainingConfig,
  precision: WeightPrecision,
): Promise<DenseModel> {
  const rounded = parseDenseOnnx(exportDecoder(extractDecoder(model), precision));
  const params = Float32Array.from(model.params);
  const frozen = new Uint8Array(params.length);
  model.layers.slice(model.encoderLayers).forEach((layer, k) => {
    params.set(rounded.layers[k]!.weight, layer.weightOffset);
    frozen.fill(1, layer.weightOffset, layer.biasOffset);
  });
  const tuned = await trainModel({ ...model, params }, data, {
    config: { ...training, epochs: fineTuneEpochs(training.epochs), checkpointEvery: 0 },
    frozen,
  });
  return tuned.model;
}
