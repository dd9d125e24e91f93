// Small supervised networks: inputs → hidden layers → outputs, trained by MSE with Adam on TensorFlow.js.
// They are Baler's cheapest learned predictors (e.g. a field value's correction from its decoded
// neighbours), so they reuse the autoencoder's hand-written gradient and host-side Adam rather than a
// second training stack; no validation split or checkpoints: they train in seconds inside `compress`.

import type { Activation, DenseNetwork } from '@baler/format';
import { toNetwork } from '../models/decoder.ts';
import type { LayerSpec } from '../models/dense-ae.ts';
import { initialiseLayers, stackLayers } from '../models/dense-ae.ts';
import { adamUpdate, createAdamState } from './adam.ts';
import { ensureTensorflow, tfjs } from './engine.ts';
import { lossAndGradient, uploadLayers } from './network.ts';
import { Prng } from './prng.ts';

export interface Regressor {
  layers: LayerSpec[];
  params: Float32Array;
}

export interface RegressionConfig {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/**
 * A network of `widths` (inputs first, outputs last) with `activation` on the hidden layers and a linear
 * output, initialised as PyTorch initialises linear layers (uniform in ±1/√inputs), seeded. The output
 * layer starts at zero, so the untrained network predicts no correction at all.
 */
export function createRegressor(widths: readonly number[], activation: Activation, seed: number): Regressor {
  if (widths.length < 2 || widths.some((w) => !Number.isSafeInteger(w) || w < 1))
    throw new RangeError(`a regressor needs ≥ 2 positive widths, got [${widths}]`);
  const outputLayer = widths.length - 2;
  const { layers, size } = stackLayers(widths, (l) => (l === outputLayer ? 'linear' : activation), 0.01);
  const params = new Float32Array(size);
  initialiseLayers(params, layers.slice(0, -1), new Prng(seed));
  return { layers, params };
}

/**
 * Trains `regressor` in place on `inputs` (samples × its input width) against `targets` (samples × its
 * output width), with a cosine-decaying learning rate; returns each epoch's mean training loss.
 */
export async function trainRegressor(
  regressor: Regressor,
  inputs: Float32Array,
  targets: Float32Array,
  config: RegressionConfig,
  onEpoch?: (epoch: number, loss: number) => void,
): Promise<number[]> {
  await ensureTensorflow();
  const tf = tfjs();
  const first = regressor.layers[0]!;
  const last = regressor.layers[regressor.layers.length - 1]!;
  const samples = inputs.length / first.inputs;
  if (!Number.isInteger(samples) || targets.length !== samples * last.outputs)
    throw new RangeError(
      `${inputs.length} inputs and ${targets.length} targets are not whole samples of ${first.inputs} → ${last.outputs}`,
    );
  const order = Uint32Array.from({ length: samples }, (_, i) => i);
  const prng = new Prng(config.seed);
  const adam = createAdamState(regressor.params.length);
  const batchSize = Math.max(1, Math.min(config.batchSize, samples));
  const x = new Float32Array(batchSize * first.inputs);
  const y = new Float32Array(batchSize * last.outputs);
  const losses: number[] = [];
  for (let epoch = 0; epoch < config.epochs; epoch++) {
    prng.shuffle(order);
    const lr = config.learningRate * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * epoch) / config.epochs)));
    let lossSum = 0;
    for (let start = 0; start < samples; start += batchSize) {
      const count = Math.min(batchSize, samples - start);
      for (let b = 0; b < count; b++) {
        const row = order[start + b]!;
        x.set(inputs.subarray(row * first.inputs, (row + 1) * first.inputs), b * first.inputs);
        y.set(targets.subarray(row * last.outputs, (row + 1) * last.outputs), b * last.outputs);
      }
      const [loss, gradient] = tf.tidy(() => {
        const xs = tf.tensor2d(x.subarray(0, count * first.inputs), [count, first.inputs]);
        const ys = tf.tensor2d(y.subarray(0, count * last.outputs), [count, last.outputs]);
        const result = lossAndGradient(
          uploadLayers(regressor.params, regressor.layers),
          regressor.layers,
          xs,
          ys,
        );
        return [result.loss, result.gradient];
      });
      const g = gradient!.dataSync() as Float32Array;
      lossSum += loss!.dataSync()[0]! * count;
      loss!.dispose();
      gradient!.dispose();
      adamUpdate(regressor.params, g, adam, lr);
    }
    losses.push(lossSum / samples);
    onEpoch?.(epoch + 1, lossSum / samples);
  }
  return losses;
}

/** The trained regressor as the backend-free network the exporter and the canonical kernels take. */
export function regressorNetwork(regressor: Regressor): DenseNetwork {
  return toNetwork(regressor, regressor.layers);
}
