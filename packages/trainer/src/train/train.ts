// The training loop, built for throughput: a custom loop (no tfjs Layers `fit`) that uploads the flat
// parameters, runs the hand-written forward and backward pass in one `tf.tidy`, reads the gradient back
// and applies Adam on the host. Minimises the MSE of normalized data over shuffled mini-batches.
//
// Reproducible: the seed fixes the initial weights (createModel), the validation split and every epoch's
// shuffle, so the same seed on the same backend gives the same losses bit for bit. Resumable: the state
// after any epoch (parameters, Adam moments, generator, schedule and early-stopping state) is plain
// arrays and JSON; continuing from it gives the same trajectory as never stopping.

import type * as TF from '@tensorflow/tfjs-core';
import type { DenseModel } from '../models/dense-ae.ts';
import { type AdamConfig, type AdamState, adamUpdate, createAdamState, DEFAULT_ADAM } from './adam.ts';
import { type BackendChoice, ensureTensorflow, tfjs } from './engine.ts';
import { forward, type GradientOptions, lossAndGradient, uploadLayers } from './network.ts';
import { GradientPool } from './parallel.ts';
import { Prng } from './prng.ts';
import {
  createEarlyStoppingState,
  createScheduleState,
  type EarlyStoppingState,
  type LrSchedule,
  recordForEarlyStopping,
  type ScheduleState,
  stepSchedule,
} from './schedule.ts';

export interface TrainingConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** Fraction of the samples held out to measure the validation loss (0: none; needs ≥ 10 samples). */
  validationFraction: number;
  /** Stop after this many epochs without improvement of the validation loss; 0 never stops early. */
  patience: number;
  schedule: LrSchedule;
  adam: AdamConfig;
  /** Write a checkpoint every this many epochs (and after the last); 0: only after the last. */
  checkpointEvery: number;
  /**
   * Cores to train on (data-parallel: each batch split across worker threads). Results depend on it
   * in the last bits, so it is part of the config.
   */
  threads: number;
  /**
   * Train for file size: minimize the residuals' coding cost per value, ½·mean over columns of
   * log2(MSE_j + rateStep²/12), rateStep being the quantization step in normalized units, instead of the
   * MSE (see network.ts). Absent: MSE. The logged losses are then bits per value (up to a constant).
   */
  rateStep?: number;
}

export const DEFAULT_TRAINING_CONFIG: TrainingConfig = {
  epochs: 100,
  batchSize: 512,
  learningRate: 1e-3,
  seed: 0,
  validationFraction: 0.1,
  patience: 50,
  schedule: { kind: 'plateau', factor: 0.5, patience: 20, minLearningRate: 1e-6 },
  adam: DEFAULT_ADAM,
  checkpointEvery: 10,
  threads: 1,
};

/** One line of the training log (training-log.jsonl). */
export interface EpochRecord {
  epoch: number;
  /** Mean training loss over the epoch's batches (MSE of normalized values). */
  loss: number;
  validationLoss: number | null;
  /** Wall time of the epoch. */
  seconds: number;
  /** The learning rate the epoch ran with. */
  learningRate: number;
}

/** Everything needed to continue training exactly where it stopped. */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  params: Float32Array;
  adam: AdamState;
  /** State of the shuffling generator. */
  prngState: number;
  schedule: ScheduleState;
  early: EarlyStoppingState;
  /** Parameters at the best monitored loss so far. */
  bestParams: Float32Array;
  /** True once early stopping ended the run. */
  stopped: boolean;
  log: EpochRecord[];
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  loss: number;
  validationLoss: number | null;
  /** Estimated seconds left, from the mean epoch time so far. */
  etaSeconds: number;
}

export interface TrainOptions {
  config?: Partial<TrainingConfig>;
  /** Continue from this state (e.g. a checkpoint) instead of starting from the model's parameters. */
  resume?: TrainingState;
  onEpoch?: (record: EpochRecord) => void;
  onProgress?: (progress: TrainProgress) => void;
  /** Receives the state every `checkpointEvery` epochs and after the last; awaited before going on. */
  checkpoint?: (state: TrainingState) => Promise<void>;
  /** How the backward pass forms transposed products (for measurements; the default is fastest). */
  gradient?: GradientOptions;
  /**
   * Parameters held fixed (1 = frozen), in the flat layout: their gradients are zeroed, so with a fresh
   * Adam state they never move. Used to fine-tune around rounded decoder weights.
   */
  frozen?: Uint8Array;
}

export interface TrainResult {
  /** The model with the parameters of its best epoch (lowest validation loss, else training loss). */
  model: DenseModel;
  log: EpochRecord[];
  state: TrainingState;
  bestEpoch: number;
  stoppedEarly: boolean;
  backend: string;
  /** Training samples processed per second of epoch time, over the epochs this call ran. */
  samplesPerSecond: number;
}

/**
 * Trains `model` on `data`: normalized samples × model-inputs float32 values, row-major. Returns a new
 * model with the best parameters; `model` itself is not modified.
 */
export async function trainModel(
  model: DenseModel,
  data: Float32Array,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const config = resolveTrainingConfig(options.config);
  const backend = await ensureTensorflow();
  const features = model.config.inputs;
  if (data.length % features !== 0 || data.length === 0) {
    throw new RangeError(`data has ${data.length} values, not a whole number of samples of ${features}`);
  }
  const rows = data.length / features;
  const { train, validation } = splitRows(rows, config.validationFraction, config.seed);
  const validationData = gatherRows(data, features, validation);
  const state = options.resume ? copyState(options.resume) : initialState(model, config);
  if (state.params.length !== model.params.length) {
    throw new RangeError(
      `the state holds ${state.params.length} parameters but the model has ${model.params.length}`,
    );
  }
  const frozen = options.frozen;
  if (frozen && frozen.length !== model.params.length)
    throw new RangeError(
      `frozen has ${frozen.length} entries but the model has ${model.params.length} parameters`,
    );
  const prng = Prng.fromState(state.prngState);
  const order = new Uint32Array(train.length);
  const batchSize = Math.min(config.batchSize, train.length);
  const buffer = new Float32Array(batchSize * features);
  let epochSeconds = 0;
  let samples = 0;
  const firstEpoch = state.epoch + 1;
  const gradientOptions = {
    ...options.gradient,
    ...(config.rateStep === undefined ? {} : { rateStep: config.rateStep }),
  };
  const local = (batch: Float32Array, count: number) =>
    step(model, state.params, batch, count, gradientOptions);
  const pool =
    config.threads > 1
      ? await GradientPool.start(
          config.threads,
          model,
          data,
          batchSize,
          backend as BackendChoice,
          config.rateStep,
        )
      : undefined;
  try {
    for (let epoch = firstEpoch; epoch <= config.epochs && !state.stopped; epoch++) {
      const started = performance.now();
      const learningRate = state.schedule.learningRate;
      // Shuffle from the fixed split order, so that the generator state alone determines the epoch.
      order.set(train);
      prng.shuffle(order);
      let lossSum = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        const count = Math.min(batchSize, order.length - start);
        let result: { loss: number; gradient: Float32Array };
        if (pool) {
          result = pool.compute(state.params, order.subarray(start, start + count), local);
        } else {
          const batch = count === batchSize ? buffer : buffer.subarray(0, count * features);
          for (let b = 0; b < count; b++) {
            const row = order[start + b]!;
            batch.set(data.subarray(row * features, (row + 1) * features), b * features);
          }
          result = local(batch, count);
        }
        const { loss, gradient } = result;
        if (frozen) for (let i = 0; i < frozen.length; i++) if (frozen[i]) gradient[i] = 0;
        adamUpdate(state.params, gradient, state.adam, learningRate, config.adam);
        lossSum += loss * count;
      }
      const loss = lossSum / order.length;
      const validationLoss =
        validation.length > 0 ? validationLossOf(model, state.params, validationData, config.rateStep) : null;
      const seconds = (performance.now() - started) / 1000;
      epochSeconds += seconds;
      samples += order.length;
      state.prngState = prng.state;

      const monitored = validationLoss ?? loss;
      if (recordForEarlyStopping(state.early, epoch, monitored)) state.bestParams.set(state.params);
      stepSchedule(config.schedule, state.schedule, config.learningRate, epoch, config.epochs, monitored);
      state.epoch = epoch;
      if (config.patience > 0 && state.early.badEpochs >= config.patience) state.stopped = true;
      const record: EpochRecord = { epoch, loss, validationLoss, seconds, learningRate };
      state.log.push(record);
      options.onEpoch?.(record);
      options.onProgress?.({
        epoch,
        epochs: config.epochs,
        loss,
        validationLoss,
        etaSeconds: state.stopped ? 0 : (epochSeconds / (epoch - firstEpoch + 1)) * (config.epochs - epoch),
      });
      const last = epoch === config.epochs || state.stopped;
      if (
        options.checkpoint &&
        (last || (config.checkpointEvery > 0 && epoch % config.checkpointEvery === 0))
      ) {
        await options.checkpoint(copyState(state));
      }
      // Let timers and signals run between epochs: the tfjs work above is synchronous.
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    await pool?.close();
  }

  return {
    model: { ...model, params: state.bestParams.slice() },
    log: state.log,
    state,
    bestEpoch: state.early.bestEpoch,
    stoppedEarly: state.stopped,
    backend,
    samplesPerSecond: epochSeconds > 0 ? samples / epochSeconds : 0,
  };
}

/** Settings without a default: absent means off. */
const OPTIONAL_SETTINGS = ['rateStep'];

/** The config with defaults filled in, checked; throws a RangeError naming a bad field. */
export function resolveTrainingConfig(config: Partial<TrainingConfig> = {}): TrainingConfig {
  const known = [...Object.keys(DEFAULT_TRAINING_CONFIG), ...OPTIONAL_SETTINGS];
  const unknown = Object.keys(config).filter((key) => !known.includes(key));
  if (unknown.length > 0) {
    throw new RangeError(
      `unknown training setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; settings: ${known.join(', ')}`,
    );
  }
  const resolved: TrainingConfig = {
    ...DEFAULT_TRAINING_CONFIG,
    ...Object.fromEntries(Object.entries(config).filter(([, v]) => v !== undefined)),
  };
  resolved.adam = { ...DEFAULT_ADAM, ...resolved.adam };
  const check = (ok: boolean, what: string, value: unknown) => {
    if (!ok) throw new RangeError(`${what}, got ${JSON.stringify(value)}`);
  };
  const whole = (v: number) => Number.isSafeInteger(v);
  if (resolved.rateStep !== undefined)
    check(
      resolved.rateStep > 0 && Number.isFinite(resolved.rateStep),
      'rateStep must be a finite number > 0',
      resolved.rateStep,
    );
  check(whole(resolved.epochs) && resolved.epochs >= 1, 'epochs must be a whole number ≥ 1', resolved.epochs);
  check(
    whole(resolved.batchSize) && resolved.batchSize >= 1,
    'batchSize must be a whole number ≥ 1',
    resolved.batchSize,
  );
  check(
    resolved.learningRate > 0 && Number.isFinite(resolved.learningRate),
    'learningRate must be > 0',
    resolved.learningRate,
  );
  check(whole(resolved.seed), 'seed must be a whole number', resolved.seed);
  check(
    resolved.validationFraction >= 0 && resolved.validationFraction < 1,
    'validationFraction must be in [0, 1)',
    resolved.validationFraction,
  );
  check(
    whole(resolved.patience) && resolved.patience >= 0,
    'patience must be a whole number ≥ 0',
    resolved.patience,
  );
  check(
    whole(resolved.threads) && resolved.threads >= 1,
    'threads must be a whole number ≥ 1',
    resolved.threads,
  );
  check(
    whole(resolved.checkpointEvery) && resolved.checkpointEvery >= 0,
    'checkpointEvery must be a whole number ≥ 0',
    resolved.checkpointEvery,
  );
  const kinds = ['constant', 'plateau', 'cosine'];
  check(
    kinds.includes(resolved.schedule?.kind),
    `schedule.kind must be one of ${kinds.join(', ')}`,
    resolved.schedule,
  );
  return resolved;
}

/**
 * The held-out validation rows and the training rows: a seeded permutation, cut once, so that the
 * split depends only on the seed and the number of rows (and a resumed run gets the same one).
 */
export function splitRows(
  rows: number,
  fraction: number,
  seed: number,
): { train: Uint32Array; validation: Uint32Array } {
  const order = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) order[i] = i;
  new Prng(seed + 0x5bd1e995).shuffle(order);
  const held = rows >= 10 && fraction > 0 ? Math.max(1, Math.round(rows * fraction)) : 0;
  return { validation: order.slice(0, held).sort(), train: order.slice(held).sort() };
}

/** The mean squared reconstruction error of `data` (normalized samples × inputs) under `params`. */
/** The loss training minimizes, on held-out samples: MSE, or the coding cost with `rateStep`. */
export function validationLossOf(
  model: DenseModel,
  params: Float32Array,
  data: Float32Array,
  rateStep?: number,
): number {
  return rateStep === undefined
    ? meanSquaredError(model, params, data)
    : meanCodingCost(model, params, data, rateStep);
}

/** ½·mean over columns of log2(MSE_j + rateStep²/12): the residuals' coding cost per value (network.ts). */
export function meanCodingCost(
  model: DenseModel,
  params: Float32Array,
  data: Float32Array,
  rateStep: number,
): number {
  const features = model.config.inputs;
  const perColumn = new Float64Array(features);
  sumOverChunks(model, params, data, (tf, residual) => {
    const sums = tf.sum(tf.square(residual), 0);
    const values = sums.dataSync();
    for (let j = 0; j < features; j++) perColumn[j] = perColumn[j]! + values[j]!;
    return tf.sum(sums);
  });
  const rows = data.length / features;
  let bits = 0;
  for (let j = 0; j < features; j++) bits += Math.log2(perColumn[j]! / rows + (rateStep * rateStep) / 12) / 2;
  return bits / features;
}

export function meanSquaredError(model: DenseModel, params: Float32Array, data: Float32Array): number {
  return sumOverChunks(model, params, data, (tf, residual) => tf.sum(tf.square(residual)));
}

/** Σ `measure`(output − input) over chunks of `data`, divided by its number of values. */
function sumOverChunks(
  model: DenseModel,
  params: Float32Array,
  data: Float32Array,
  measure: (tf: ReturnType<typeof tfjs>, residual: TF.Tensor2D) => TF.Tensor,
): number {
  const tf = tfjs();
  const features = model.config.inputs;
  const rows = data.length / features;
  const chunk = Math.max(1, Math.floor((1 << 20) / features));
  let sum = 0;
  for (let start = 0; start < rows; start += chunk) {
    const count = Math.min(chunk, rows - start);
    const part = tf.tidy(() => {
      const x = tf.tensor2d(data.subarray(start * features, (start + count) * features), [count, features]);
      return measure(tf, tf.sub(forward(uploadLayers(params, model.layers), model.layers, x), x));
    });
    sum += part.dataSync()[0]!;
    part.dispose();
  }
  return sum / data.length;
}

function step(
  model: DenseModel,
  params: Float32Array,
  batch: Float32Array,
  count: number,
  options?: GradientOptions,
): { loss: number; gradient: Float32Array } {
  const tf = tfjs();
  const [lossTensor, gradientTensor] = tf.tidy(() => {
    const x = tf.tensor2d(batch, [count, model.config.inputs]);
    const result = lossAndGradient(uploadLayers(params, model.layers), model.layers, x, x, options);
    return [result.loss, result.gradient];
  });
  const gradient = gradientTensor!.dataSync() as Float32Array;
  const loss = lossTensor!.dataSync()[0]!;
  lossTensor!.dispose();
  gradientTensor!.dispose();
  return { loss, gradient };
}

function initialState(model: DenseModel, config: TrainingConfig): TrainingState {
  return {
    epoch: 0,
    params: model.params.slice(),
    adam: createAdamState(model.params.length),
    prngState: new Prng(config.seed + 1).state,
    schedule: createScheduleState(config.learningRate),
    early: createEarlyStoppingState(),
    bestParams: model.params.slice(),
    stopped: false,
    log: [],
  };
}

/** A deep copy: the loop keeps mutating its own state after handing one out. */
export function copyState(state: TrainingState): TrainingState {
  return {
    ...state,
    params: state.params.slice(),
    adam: { step: state.adam.step, m: state.adam.m.slice(), v: state.adam.v.slice() },
    schedule: { ...state.schedule },
    early: { ...state.early },
    bestParams: state.bestParams.slice(),
    log: state.log.map((r) => ({ ...r })),
  };
}

function gatherRows(data: Float32Array, features: number, rows: Uint32Array): Float32Array {
  const out = new Float32Array(rows.length * features);
  rows.forEach((row, i) => {
    out.set(data.subarray(row * features, (row + 1) * features), i * features);
  });
  return out;
}
