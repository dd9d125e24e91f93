import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../models/registry.ts';
import { initTensorflow } from './engine.ts';
import { normalizedLhcb } from './test-support.ts';
import { trainModel } from './train.ts';

let data: Float32Array;
beforeAll(async () => {
  await initTensorflow({ log: () => {} });
  data = await normalizedLhcb(1200);
});

describe('data-parallel training (threads: 2)', () => {
  it('follows the single-thread trajectory up to rounding, reproducibly, and leaves no tensors behind', async () => {
    const model = createModel('dense-ae-slim', { inputs: 26, latent: 8 }, { seed: 1 });
    const config = { epochs: 3, batchSize: 256, seed: 1 };
    const single = await trainModel(model, data, { config });
    const before = tf.memory().numTensors;
    const parallel = await trainModel(model, data, { config: { ...config, threads: 2 } });
    expect(tf.memory().numTensors).toBe(before);
    parallel.log.forEach((record, i) => {
      expect(record.loss).toBeCloseTo(single.log[i]!.loss, 4);
    });
    const again = await trainModel(model, data, { config: { ...config, threads: 2 } });
    expect(again.log.map((r) => r.loss)).toEqual(parallel.log.map((r) => r.loss));
  });
});
