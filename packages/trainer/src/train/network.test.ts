import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../models/registry.ts';
import { initTensorflow } from './engine.ts';
import { lossAndGradient, uploadLayers } from './network.ts';
import { Prng } from './prng.ts';
import { referenceForward } from './test-support.ts';

beforeAll(async () => {
  await initTensorflow({ log: () => {} });
});

function referenceLoss(
  model: ReturnType<typeof createModel>,
  params: Float64Array,
  x: Float32Array,
  rows: number,
) {
  const out = referenceForward(model.layers, params, x, rows);
  let sum = 0;
  for (let k = 0; k < out.length; k++) sum += (out[k]! - x[k]!) ** 2;
  return sum / out.length;
}

describe('lossAndGradient', () => {
  it.each([
    ['leaky-relu', 'linear'],
    ['tanh', 'sigmoid'],
  ] as const)(
    'matches a float64 finite-difference gradient (hidden %s, latent %s)',
    (activation, latentActivation) => {
      const model = createModel(
        'dense-ae',
        { inputs: 5, encoder: [4], latent: 3, activation, latentActivation },
        { seed: 1 },
      );
      const rows = 7;
      const prng = new Prng(9);
      const x = Float32Array.from({ length: rows * 5 }, () => prng.uniform(-2, 2));
      for (const transposes of ['host', 'explicit', 'attribute'] as const) {
        const [lossTensor, gradientTensor] = tf.tidy(() => {
          const r = lossAndGradient(
            uploadLayers(model.params, model.layers),
            model.layers,
            tf.tensor2d(x, [rows, 5]),
            undefined,
            {
              transposes,
            },
          );
          return [r.loss, r.gradient];
        });
        const gradient = gradientTensor!.dataSync();
        const loss = lossTensor!.dataSync()[0]!;
        tf.dispose([lossTensor!, gradientTensor!]);
        const params = Float64Array.from(model.params);
        expect(loss).toBeCloseTo(referenceLoss(model, params, x, rows), 5);
        expect(gradient.length).toBe(params.length);
        const h = 1e-6;
        for (let i = 0; i < params.length; i++) {
          const saved = params[i]!;
          params[i] = saved + h;
          const up = referenceLoss(model, params, x, rows);
          params[i] = saved - h;
          const down = referenceLoss(model, params, x, rows);
          params[i] = saved;
          const numeric = (up - down) / (2 * h);
          expect(Math.abs(gradient[i]! - numeric)).toBeLessThan(1e-4 + 1e-3 * Math.abs(numeric));
        }
      }
    },
  );

  it('gives the coding-cost loss (rateStep) and its gradient, against float64 finite differences', () => {
    const model = createModel('dense-ae', { inputs: 5, encoder: [4], latent: 3 }, { seed: 2 });
    const rows = 7;
    const rateStep = 0.01;
    const prng = new Prng(4);
    const x = Float32Array.from({ length: rows * 5 }, () => prng.uniform(-2, 2));
    // ½·mean over columns of log2(MSE_j + rateStep²/12), in float64.
    const reference = (params: Float64Array) => {
      const out = referenceForward(model.layers, params, x, rows);
      let bits = 0;
      for (let j = 0; j < 5; j++) {
        let sum = 0;
        for (let r = 0; r < rows; r++) sum += (out[r * 5 + j]! - x[r * 5 + j]!) ** 2;
        bits += Math.log2(sum / rows + rateStep ** 2 / 12) / 2;
      }
      return bits / 5;
    };
    const [lossTensor, gradientTensor] = tf.tidy(() => {
      const input = tf.tensor2d(x, [rows, 5]);
      const r = lossAndGradient(uploadLayers(model.params, model.layers), model.layers, input, input, {
        rateStep,
      });
      return [r.loss, r.gradient];
    });
    const gradient = gradientTensor!.dataSync();
    const loss = lossTensor!.dataSync()[0]!;
    tf.dispose([lossTensor!, gradientTensor!]);
    const params = Float64Array.from(model.params);
    expect(loss).toBeCloseTo(reference(params), 4);
    const h = 1e-6;
    for (let i = 0; i < params.length; i++) {
      const saved = params[i]!;
      params[i] = saved + h;
      const up = reference(params);
      params[i] = saved - h;
      const down = reference(params);
      params[i] = saved;
      const numeric = (up - down) / (2 * h);
      expect(Math.abs(gradient[i]! - numeric)).toBeLessThan(1e-3 + 1e-2 * Math.abs(numeric));
    }
  });
});
