// A trained model on disk: a directory anyone can inspect, from which the model, its normalization and
// its training can be rebuilt and checked.
//
//   config.json          family, sizes, seed, data summary, training config and its sha256, outcome
//   weights.bin          all parameters, float32 little-endian, layer by layer (weight [in][out], bias)
//   weights.json         manifest: each tensor's name, shape and offset; byte count and sha256
//   normalization.json   the per-column transforms (train/normalization.ts)
//   training-log.jsonl   one JSON line per epoch
//   checkpoint/          the resumable training state (train/checkpoint.ts)
//   decoder.onnx         the frozen decoder, written by the ONNX exporter through `artifacts`

import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LITTLE_ENDIAN_HOST } from '@baler/format';
import { DataInputError } from '../io/errors.ts';
import { writeFileContents } from '../io/files.ts';
import type { WeightPrecision } from '../onnx/to-onnx.ts';
import type { Normalization } from '../train/normalization.ts';
import { type EpochRecord, resolveTrainingConfig, type TrainingConfig } from '../train/train.ts';
import { type DenseAeConfig, type DenseModel, denseAeFromParams } from './dense-ae.ts';

export const MODEL_DIR_FILES = {
  config: 'config.json',
  weights: 'weights.bin',
  manifest: 'weights.json',
  normalization: 'normalization.json',
  log: 'training-log.jsonl',
  checkpoint: 'checkpoint',
  decoderOnnx: 'decoder.onnx',
} as const;

// Files saveModelDir writes itself; artifacts may not replace them.
const RESERVED = new Set<string>(
  Object.entries(MODEL_DIR_FILES)
    .filter(([key]) => key !== 'decoderOnnx')
    .map(([, name]) => name),
);

/** What the model was trained on (enough to check that data to compress fits it). */
export interface TrainingDataSummary {
  kind: 'table' | 'field';
  rows: number;
  features: number;
  sampleShape: number[];
  /** Column names of a table; empty for a field. */
  names: string[];
  /** The input as the user named it. */
  source?: string;
}

/** How training ended, recorded in config.json. */
export interface TrainingOutcome {
  epochs: number;
  bestEpoch: number;
  loss: number | null;
  validationLoss: number | null;
  stoppedEarly: boolean;
  backend: string;
  samplesPerSecond: number;
  seconds: number;
}

export interface ModelDirContents {
  model: DenseModel;
  normalization: Normalization;
  training: TrainingConfig;
  log: readonly EpochRecord[];
  data?: TrainingDataSummary;
  outcome?: TrainingOutcome;
  /** Further files to write into the directory, e.g. `{ 'decoder.onnx': bytes }` from the exporter. */
  artifacts?: Record<string, Uint8Array | string>;
  /** How decoder.onnx stores the decoder's weights (default float32). */
  weightPrecision?: WeightPrecision;
}

export interface ModelDirConfig {
  format: 'baler-model';
  version: 1;
  /** The registry name (`--model`). */
  name: string;
  family: DenseAeConfig['family'];
  model: DenseAeConfig;
  seed: number;
  parameters: number;
  /** Index range [start, end) of the decoder's layers in the manifest's layer order. */
  decoderLayers: [number, number];
  data: TrainingDataSummary | null;
  training: TrainingConfig;
  trainingSha256: string;
  outcome: TrainingOutcome | null;
  files: string[];
  /** How decoder.onnx stores the decoder's weights; absent in directories from before it existed (float32). */
  weightPrecision?: WeightPrecision;
}

export interface WeightsManifest {
  dtype: 'float32';
  byteOrder: 'little';
  bytes: number;
  sha256: string;
  tensors: { name: string; shape: number[]; offset: number }[];
}

export interface LoadedModelDir {
  config: ModelDirConfig;
  model: DenseModel;
  normalization: Normalization;
  training: TrainingConfig;
  log: EpochRecord[];
  /** decoder.onnx as written by baler train: the frozen decoder a .baler file carries, when present. */
  decoderOnnx?: Uint8Array;
}

/** Writes the model directory `dir` (created if missing); each file is written atomically. */
export async function saveModelDir(dir: string, contents: ModelDirContents): Promise<ModelDirConfig> {
  await mkdir(dir, { recursive: true });
  const { model } = contents;
  const weights = float32Bytes(model.params);
  const manifest: WeightsManifest = {
    dtype: 'float32',
    byteOrder: 'little',
    bytes: weights.byteLength,
    sha256: sha256(weights),
    tensors: model.layers.flatMap((layer, l) => {
      const name = l < model.encoderLayers ? `encoder.${l}` : `decoder.${l - model.encoderLayers}`;
      return [
        { name: `${name}.weight`, shape: [layer.inputs, layer.outputs], offset: layer.weightOffset },
        { name: `${name}.bias`, shape: [layer.outputs], offset: layer.biasOffset },
      ];
    }),
  };
  const artifacts = contents.artifacts ?? {};
  const files = [
    MODEL_DIR_FILES.config,
    MODEL_DIR_FILES.weights,
    MODEL_DIR_FILES.manifest,
    MODEL_DIR_FILES.normalization,
    MODEL_DIR_FILES.log,
    ...Object.keys(artifacts),
  ];
  const config: ModelDirConfig = {
    format: 'baler-model',
    version: 1,
    name: model.name,
    family: model.config.family,
    model: model.config,
    seed: contents.training.seed,
    parameters: model.params.length,
    decoderLayers: [model.encoderLayers, model.layers.length],
    data: contents.data ?? null,
    training: contents.training,
    trainingSha256: trainingConfigSha256(contents.training),
    outcome: contents.outcome ?? null,
    files,
    weightPrecision: contents.weightPrecision ?? 'float32',
  };
  for (const [name, bytes] of Object.entries(artifacts)) {
    if (!/^[\w.-]+$/.test(name) || RESERVED.has(name))
      throw new RangeError(`artifact name "${name}" is reserved or not a plain file name`);
    await writeFileContents(join(dir, name), bytes);
  }
  await writeFileContents(join(dir, MODEL_DIR_FILES.weights), weights);
  await writeFileContents(join(dir, MODEL_DIR_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFileContents(
    join(dir, MODEL_DIR_FILES.normalization),
    `${JSON.stringify(contents.normalization, null, 2)}\n`,
  );
  await writeFileContents(
    join(dir, MODEL_DIR_FILES.log),
    contents.log.map((r) => `${JSON.stringify(r)}\n`).join(''),
  );
  // Last, so that a directory with config.json is a complete one.
  await writeFileContents(join(dir, MODEL_DIR_FILES.config), `${JSON.stringify(config, null, 2)}\n`);
  return config;
}

/** Reads a model directory written by {@link saveModelDir}, checking the weights against their sha256. */
export async function loadModelDir(dir: string): Promise<LoadedModelDir> {
  const configPath = join(dir, MODEL_DIR_FILES.config);
  const isDirectory = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDirectory)
    throw new DataInputError({
      path: dir,
      problem: 'no such model directory',
      fix: "Train one with 'baler train'.",
    });
  const config = await readJson<ModelDirConfig>(configPath, dir);
  if (config.format !== 'baler-model' || config.version !== 1) {
    throw new DataInputError({
      path: configPath,
      problem: `is not a Baler model config (format ${JSON.stringify(config.format)}, version ${config.version})`,
      fix: 'Point at a directory written by baler train.',
    });
  }
  if (config.trainingSha256 !== trainingConfigSha256(config.training)) {
    throw new DataInputError({
      path: configPath,
      problem: 'has a training config that does not match its trainingSha256 (edited by hand?)',
      fix: 'Restore the original config.json, or train the model again.',
    });
  }
  const manifest = await readJson<WeightsManifest>(join(dir, MODEL_DIR_FILES.manifest), dir);
  const weightsPath = join(dir, MODEL_DIR_FILES.weights);
  const bytes = await readFile(weightsPath).catch(() => {
    throw new DataInputError({ path: weightsPath, problem: 'is missing', fix: 'Train the model again.' });
  });
  if (bytes.byteLength !== manifest.bytes || sha256(bytes) !== manifest.sha256) {
    throw new DataInputError({
      path: weightsPath,
      problem: 'does not match the sha256 and size recorded in weights.json (damaged or replaced)',
      fix: 'Train the model again.',
    });
  }
  const params = float32FromBytes(bytes);
  let model: DenseModel;
  try {
    model = denseAeFromParams(config.name, config.model, params);
  } catch (error) {
    throw new DataInputError({
      path: configPath,
      problem: (error as Error).message,
      fix: 'Train the model again.',
    });
  }
  const normalization = await readJson<Normalization>(join(dir, MODEL_DIR_FILES.normalization), dir);
  const logText = await readFile(join(dir, MODEL_DIR_FILES.log), 'utf8').catch(() => '');
  const log = logText
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as EpochRecord);
  const onnx = await readFile(join(dir, MODEL_DIR_FILES.decoderOnnx)).catch(() => undefined);
  return {
    config,
    model,
    normalization,
    training: resolveTrainingConfig(config.training),
    log,
    ...(onnx ? { decoderOnnx: new Uint8Array(onnx) } : {}),
  };
}

/** The sha256 of the training config's canonical JSON (keys sorted): the same settings, the same hash. */
export function trainingConfigSha256(config: TrainingConfig): string {
  return sha256(new TextEncoder().encode(canonicalJson(config)));
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The array's bytes in little-endian order (a view on little-endian hosts, a copy otherwise). */
export function float32Bytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return out;
}

/** Little-endian float32 bytes as a Float32Array (always a copy, so the result is aligned). */
export function float32FromBytes(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0)
    throw new RangeError(`${bytes.byteLength} bytes are not whole float32 values`);
  const out = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}

async function readJson<T>(path: string, dir: string): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new DataInputError({
      path,
      problem: 'is missing',
      fix: `${dir} is not a complete model directory; if its training was interrupted, continue it with baler train --resume.`,
    });
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new DataInputError({
      path,
      problem: `is not valid JSON (${(error as Error).message})`,
      fix: 'Train the model again.',
    });
  }
}
