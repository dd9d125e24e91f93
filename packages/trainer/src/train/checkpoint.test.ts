import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../io/test-support.ts';
import { createModel } from '../models/registry.ts';
import {
  type CheckpointMeta,
  checkpointDir,
  hasCheckpoint,
  readCheckpoint,
  writeCheckpoint,
} from './checkpoint.ts';
import { initTensorflow } from './engine.ts';
import { normalizedLhcb } from './test-support.ts';
import { resolveTrainingConfig, type TrainingState, trainModel } from './train.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await temporaryDirectory());
  await initTensorflow({ log: () => {} });
});
afterEach(() => cleanup());

describe('checkpoints', () => {
  it('resume from disk gives the same trajectory as an uninterrupted run', async () => {
    const data = await normalizedLhcb(1500);
    const model = createModel('dense-ae-slim', { inputs: 26, latent: 6 }, { seed: 2 });
    const training = resolveTrainingConfig({ epochs: 5, batchSize: 256, seed: 2, checkpointEvery: 3 });
    const meta: CheckpointMeta = {
      name: model.name,
      model: model.config,
      normalization: {
        version: 1,
        layout: 'field',
        names: [],
        transforms: [{ kind: 'robust', center: 0, scale: 1 }],
      },
      training,
    };
    const whole = await trainModel(model, data, { config: training });
    // Interrupted after epoch 3: the run stops at 3 with a checkpoint written there.
    expect(await hasCheckpoint(dir)).toBe(false);
    await trainModel(model, data, {
      config: { ...training, epochs: 3 },
      checkpoint: (state) => writeCheckpoint(dir, state, meta),
    });
    const { state, meta: read } = await readCheckpoint(dir);
    expect(read).toEqual(meta);
    expect(state.epoch).toBe(3);
    const resumed = await trainModel(model, data, { config: training, resume: state });
    expect(resumed.log.map((r) => r.loss)).toEqual(whole.log.map((r) => r.loss));
    expect(resumed.log.map((r) => r.validationLoss)).toEqual(whole.log.map((r) => r.validationLoss));
    expect(resumed.model.params).toEqual(whole.model.params);
  });

  it('keeps every part of the state, infinities included', async () => {
    const size = 4;
    const state: TrainingState = {
      epoch: 0,
      params: Float32Array.of(1, 2, 3, 4),
      adam: { step: 0, m: new Float32Array(size), v: Float32Array.of(0, 0, 0, 1e-30) },
      prngState: -123,
      schedule: { learningRate: 1e-3, best: Number.POSITIVE_INFINITY, badEpochs: 0 },
      early: { best: Number.POSITIVE_INFINITY, bestEpoch: 0, badEpochs: 0 },
      bestParams: Float32Array.of(4, 3, 2, 1),
      stopped: false,
      log: [],
    };
    const meta = { name: 'x' } as unknown as CheckpointMeta;
    await writeCheckpoint(dir, state, meta);
    expect((await readCheckpoint(dir)).state).toEqual(state);
  });

  it('detects tensors that do not belong with the state', async () => {
    const state: TrainingState = {
      epoch: 1,
      params: Float32Array.of(1),
      adam: { step: 1, m: Float32Array.of(0), v: Float32Array.of(0) },
      prngState: 1,
      schedule: { learningRate: 1, best: 1, badEpochs: 0 },
      early: { best: 1, bestEpoch: 1, badEpochs: 0 },
      bestParams: Float32Array.of(1),
      stopped: false,
      log: [],
    };
    await writeCheckpoint(dir, state, {} as CheckpointMeta);
    const path = join(checkpointDir(dir), 'tensors.bin');
    const bytes = await readFile(path);
    bytes[1]! ^= 0x40;
    await writeFile(path, bytes);
    await expect(readCheckpoint(dir)).rejects.toThrow(/does not belong with state\.json/);
    await expect(readCheckpoint(join(dir, 'elsewhere'))).rejects.toThrow(/has no state\.json/);
  });
});
