import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../models/registry.ts';
import { initTensorflow } from './engine.ts';
import { normalizedLhcb } from './test-support.ts';
import {
  type EpochRecord,
  meanCodingCost,
  meanSquaredError,
  resolveTrainingConfig,
  splitRows,
  type TrainingState,
  trainModel,
} from './train.ts';

let data: Float32Array;
beforeAll(async () => {
  await initTensorflow({ log: () => {} });
  data = await normalizedLhcb(2000);
});

const losses = (log: EpochRecord[]) => log.map((r) => [r.loss, r.validationLoss]);

describe('trainModel', () => {
  it("lowers the loss of Baler's LHCb model on the real LHCb data", async () => {
    const model = createModel('dense-ae', { inputs: 26, latent: 13 }, { seed: 0 });
    const result = await trainModel(model, data, { config: { epochs: 6, batchSize: 256 } });
    const first = result.log[0]!;
    const last = result.log.at(-1)!;
    expect(result.log).toHaveLength(6);
    expect(last.loss).toBeLessThan(first.loss * 0.9);
    expect(last.validationLoss!).toBeLessThan(first.validationLoss!);
    expect(result.backend).toBe('wasm');
    expect(result.samplesPerSecond).toBeGreaterThan(0);
    // The input model is left alone; the result holds the best epoch's parameters.
    expect(result.model.params).not.toEqual(model.params);
    expect(model.params).toEqual(createModel('dense-ae', { inputs: 26, latent: 13 }, { seed: 0 }).params);
  });

  it('gives the same losses for the same seed, and other losses for another seed', async () => {
    const run = async (seed: number) => {
      const model = createModel('dense-ae-slim', { inputs: 26, latent: 8 }, { seed });
      return losses((await trainModel(model, data, { config: { epochs: 3, batchSize: 128, seed } })).log);
    };
    const a = await run(5);
    expect(await run(5)).toEqual(a);
    expect(await run(6)).not.toEqual(a);
  });

  it('leaks no tensors: the count stays flat across epochs', async () => {
    const model = createModel('dense-ae-slim', { inputs: 26, latent: 8 });
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await trainModel(model, data, {
      config: { epochs: 4, batchSize: 300 },
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    expect(counts).toEqual(counts.map(() => before));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('continues the same trajectory from a saved state, checkpointing on schedule', async () => {
    const model = createModel('dense-ae-slim', { inputs: 26, latent: 8 }, { seed: 3 });
    const config = {
      epochs: 6,
      batchSize: 200,
      seed: 3,
      checkpointEvery: 2,
      schedule: { kind: 'cosine', minLearningRate: 1e-5 },
    } as const;
    const whole = await trainModel(model, data, { config });
    const saved: number[] = [];
    let atFour: TrainingState | undefined;
    await trainModel(model, data, {
      config,
      checkpoint: async (state) => {
        saved.push(state.epoch);
        if (state.epoch === 4) atFour = state;
      },
    });
    expect(saved).toEqual([2, 4, 6]);
    const resumed = await trainModel(model, data, { config, resume: atFour! });
    expect(losses(resumed.log)).toEqual(losses(whole.log));
    expect(resumed.model.params).toEqual(whole.model.params);
  });

  it('stops early when the validation loss stops improving, keeping the best epoch', async () => {
    const model = createModel('dense-ae-tiny', { inputs: 26, latent: 4 });
    // A learning rate this small makes no measurable progress: patience runs out at once.
    const result = await trainModel(model, data, {
      config: { epochs: 50, batchSize: 1000, learningRate: 1e-12, patience: 2 },
    });
    expect(result.stoppedEarly).toBe(true);
    expect(result.log.length).toBeLessThan(50);
    expect(result.bestEpoch).toBe(1);
  });
});

describe('training config', () => {
  it('holds frozen parameters fixed and trains the rest', async () => {
    const model = createModel('dense-ae-tiny', { inputs: 26, latent: 4 }, { seed: 1 });
    const frozen = new Uint8Array(model.params.length);
    const decoder = model.layers[model.encoderLayers]!;
    frozen.fill(1, decoder.weightOffset, decoder.biasOffset);
    const result = await trainModel(model, data, { config: { epochs: 3, batchSize: 256 }, frozen });
    let moved = 0;
    for (let i = 0; i < model.params.length; i++) {
      if (frozen[i]) expect(result.model.params[i]).toBe(model.params[i]);
      else if (result.model.params[i] !== model.params[i]) moved++;
    }
    expect(moved).toBeGreaterThan(model.params.length / 2);
    await expect(trainModel(model, data, { frozen: new Uint8Array(3) })).rejects.toThrow(/frozen has 3/);
  });

  it('fills defaults and rejects bad or unknown settings', () => {
    expect(resolveTrainingConfig({ epochs: 3 })).toMatchObject({
      epochs: 3,
      batchSize: 512,
      learningRate: 1e-3,
    });
    expect(() => resolveTrainingConfig({ batchSize: 0 })).toThrow(/batchSize must be a whole number ≥ 1/);
    expect(() => resolveTrainingConfig({ epoch: 3 } as never)).toThrow(/unknown training setting epoch/);
    expect(resolveTrainingConfig({ rateStep: 2e-3 }).rateStep).toBe(2e-3);
    expect(() => resolveTrainingConfig({ rateStep: 0 })).toThrow(/rateStep must be a finite number > 0/);
  });

  it('trains for the coding cost with rateStep: lower cost than the MSE-trained model, at more MSE', async () => {
    const model = createModel('dense-ae-tiny', { inputs: 26, latent: 4 }, { seed: 0 });
    const config = { epochs: 30, batchSize: 256 };
    const rateStep = 2e-3;
    const mse = await trainModel(model, data, { config });
    const rate = await trainModel(model, data, { config: { ...config, rateStep } });
    // Its log is in bits per value, and the rate model pays fewer of them on the data...
    const cost = (params: Float32Array) => meanCodingCost(model, params, data, rateStep);
    expect(cost(rate.model.params)).toBeLessThan(cost(mse.model.params) - 0.05);
    expect(rate.log.at(-1)!.loss).toBeCloseTo(cost(rate.model.params), 0);
    // ...while the MSE model keeps the lower MSE: the two losses really differ.
    expect(meanSquaredError(model, mse.model.params, data)).toBeLessThan(
      meanSquaredError(model, rate.model.params, data),
    );
  });

  it('splits rows reproducibly, holding out the validation fraction', () => {
    const a = splitRows(100, 0.1, 1);
    expect(a.validation).toHaveLength(10);
    expect(a.train).toHaveLength(90);
    expect(splitRows(100, 0.1, 1)).toEqual(a);
    expect(new Set([...a.train, ...a.validation]).size).toBe(100);
    expect(splitRows(5, 0.1, 1).validation).toHaveLength(0);
  });
});
