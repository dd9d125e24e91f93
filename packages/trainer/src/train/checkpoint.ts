// Resumable training state in MODEL_DIR/checkpoint/: everything `trainModel` needs to continue exactly
// where it stopped, and everything needed to rebuild the model and its data transform without the rest
// of the directory (which is only written when training ends).
//
//   model.json    registry name, model config, normalization, training config, data summary
//   tensors.bin   params | Adam m | Adam v | best params, float32 little-endian
//   state.json    epoch, Adam step, generator, schedule and early-stopping state, log, sha256 of tensors.bin
//
// state.json is written last and names the sha256 of the tensors it belongs with, so that a checkpoint
// interrupted half-way is detected instead of silently mixing two epochs.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataInputError } from '../io/errors.ts';
import { writeFileContents } from '../io/files.ts';
import type { DenseAeConfig } from '../models/dense-ae.ts';
import {
  float32Bytes,
  float32FromBytes,
  MODEL_DIR_FILES,
  sha256,
  type TrainingDataSummary,
} from '../models/model-dir.ts';
import type { Normalization } from './normalization.ts';
import type { EpochRecord, TrainingConfig, TrainingState } from './train.ts';

export interface CheckpointMeta {
  name: string;
  model: DenseAeConfig;
  normalization: Normalization;
  training: TrainingConfig;
  data?: TrainingDataSummary;
}

interface StateFile {
  version: 1;
  epoch: number;
  parameters: number;
  adamStep: number;
  prngState: number;
  schedule: { learningRate: number; best: number | null; badEpochs: number };
  early: { best: number | null; bestEpoch: number; badEpochs: number };
  stopped: boolean;
  log: EpochRecord[];
  tensorsSha256: string;
}

/** The checkpoint directory of a model directory. */
export function checkpointDir(modelDir: string): string {
  return join(modelDir, MODEL_DIR_FILES.checkpoint);
}

/** Writes the state (and, the first time or when changed, the model description) under MODEL_DIR/checkpoint/. */
export async function writeCheckpoint(
  modelDir: string,
  state: TrainingState,
  meta: CheckpointMeta,
): Promise<void> {
  const dir = checkpointDir(modelDir);
  await mkdir(dir, { recursive: true });
  const size = state.params.length;
  const tensors = new Float32Array(size * 4);
  tensors.set(state.params, 0);
  tensors.set(state.adam.m, size);
  tensors.set(state.adam.v, size * 2);
  tensors.set(state.bestParams, size * 3);
  const bytes = float32Bytes(tensors);
  const file: StateFile = {
    version: 1,
    epoch: state.epoch,
    parameters: size,
    adamStep: state.adam.step,
    prngState: state.prngState,
    schedule: { ...state.schedule, best: finiteOrNull(state.schedule.best) },
    early: { ...state.early, best: finiteOrNull(state.early.best) },
    stopped: state.stopped,
    log: state.log,
    tensorsSha256: sha256(bytes),
  };
  await writeFileContents(join(dir, 'model.json'), `${JSON.stringify(meta, null, 2)}\n`);
  await writeFileContents(join(dir, 'tensors.bin'), bytes);
  await writeFileContents(join(dir, 'state.json'), `${JSON.stringify(file)}\n`);
}

/** True when MODEL_DIR/checkpoint/ holds a checkpoint (complete or not). */
export async function hasCheckpoint(modelDir: string): Promise<boolean> {
  return readFile(join(checkpointDir(modelDir), 'state.json')).then(
    () => true,
    () => false,
  );
}

/** Reads MODEL_DIR/checkpoint/; throws a DataInputError when it is missing, incomplete or damaged. */
export async function readCheckpoint(
  modelDir: string,
): Promise<{ state: TrainingState; meta: CheckpointMeta }> {
  const dir = checkpointDir(modelDir);
  const fail = (problem: string): never => {
    throw new DataInputError({
      path: dir,
      problem,
      fix: 'Start the training over without --resume (with --force to replace the directory).',
    });
  };
  const read = async (name: string) => readFile(join(dir, name)).catch(() => fail(`has no ${name}`));
  let file: StateFile;
  let meta: CheckpointMeta;
  try {
    file = JSON.parse((await read('state.json')).toString('utf8')) as StateFile;
    meta = JSON.parse((await read('model.json')).toString('utf8')) as CheckpointMeta;
  } catch (error) {
    if (error instanceof DataInputError) throw error;
    return fail(`holds a damaged JSON file (${(error as Error).message})`);
  }
  if (file.version !== 1) fail(`has an unknown checkpoint version ${file.version}`);
  const bytes = await read('tensors.bin');
  if (sha256(bytes) !== file.tensorsSha256 || bytes.byteLength !== file.parameters * 16) {
    fail('has tensors.bin that does not belong with state.json (an interrupted or damaged checkpoint)');
  }
  const tensors = float32FromBytes(bytes);
  const size = file.parameters;
  const state: TrainingState = {
    epoch: file.epoch,
    params: tensors.slice(0, size),
    adam: { step: file.adamStep, m: tensors.slice(size, size * 2), v: tensors.slice(size * 2, size * 3) },
    prngState: file.prngState,
    schedule: { ...file.schedule, best: file.schedule.best ?? Number.POSITIVE_INFINITY },
    early: { ...file.early, best: file.early.best ?? Number.POSITIVE_INFINITY },
    bestParams: tensors.slice(size * 3, size * 4),
    stopped: file.stopped,
    log: file.log,
  };
  return { state, meta };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
