import type { Field, FieldMetadata } from '@baler/format';
import { bytesSource, openBaler, readDataset } from '@baler/format';
import { seededRandom } from '@baler/format/testing';
import { describe, expect, it } from 'vitest';
import { createRegressor, regressorNetwork, trainRegressor } from '../train/regression.ts';
import { compressDataset } from './compress.ts';
import { parseBound } from './error-bound.ts';

/**
 * Frames in which each value moves towards its left neighbour at a rate that saturates (tanh), plus a
 * little noise: a linear stencil cannot follow the saturation, a small network over the same
 * neighbours can.
 */
function saturatingFlow(frames: number, rows: number, cols: number): Field {
  const random = seededRandom(17);
  const size = rows * cols;
  const data = new Float64Array(frames * size);
  for (let y = 0; y < rows; y++)
    for (let x = 0; x < cols; x++) data[y * cols + x] = Math.sin(x * 0.5 + y * 0.3);
  for (let t = 1; t < frames; t++) {
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const previous = (t - 1) * size + y * cols;
        const here = data[previous + x]!;
        const left = data[previous + ((x + cols - 1) % cols)]!;
        data[t * size + y * cols + x] = here + 0.5 * Math.tanh(2 * (left - here)) + (random() - 0.5) * 1e-4;
      }
    }
  }
  return { kind: 'field', shape: [frames, rows, cols], dtype: 'float64', data, attributes: {} };
}

describe('small regressors (train/regression.ts)', () => {
  it('learn a nonlinear map, reproducibly from a seed', async () => {
    const random = seededRandom(4);
    const inputs = Float32Array.from({ length: 2048 * 2 }, () => random() * 4 - 2);
    const targets = Float32Array.from({ length: 2048 }, (_, n) =>
      Math.tanh(inputs[2 * n]! * inputs[2 * n + 1]!),
    );
    const train = async () => {
      const regressor = createRegressor([2, 12, 1], 'tanh', 9);
      const config = { epochs: 30, batchSize: 64, learningRate: 1e-2, seed: 3 };
      const losses = await trainRegressor(regressor, inputs, targets, config);
      return { losses, network: regressorNetwork(regressor) };
    };
    const first = await train();
    expect(first.losses[0]).toBeGreaterThan(0.2); // the untrained network predicts 0
    expect(first.losses.at(-1)!).toBeLessThan(first.losses[0]! / 5);
    const second = await train();
    expect(second.losses).toEqual(first.losses);
    expect(second.network.layers[0]!.weight).toEqual(first.network.layers[0]!.weight);
  });
});

describe('stencil networks in compress (learn on a field)', () => {
  const field = saturatingFlow(20, 40, 40);
  const bound = parseBound('abs=1e-4');
  const learnStencilNetwork = { hidden: [8, 8], epochs: 20, batchSize: 128, learningRate: 1e-2 };

  it('are kept when they beat the classical stencil in honest bytes, every value within the bound', async () => {
    const classical = await compressDataset(field, { bound });
    let learned = 0;
    let classicalTrial = 0;
    const result = await compressDataset(field, {
      bound,
      learn: true,
      learnBlocks: { blocks: [] },
      learnStencilNetwork,
      onProgress: (stage, done, total) => {
        if (stage === 'learn') [learned, classicalTrial] = [done, total ?? 0];
      },
    });
    expect(learned).toBeLessThan(classicalTrial);
    expect(result.bytes.length).toBeLessThan(classical.bytes.length * 0.95);
    const file = await openBaler(bytesSource(result.bytes));
    const { method } = file.metadata as FieldMetadata;
    expect((method.predictor as { name: string }).name).toBe('stencil-network');
    expect(file.metadata.model).toMatchObject({ family: 'stencil-network' });
    const decoded = ((await readDataset(file)) as Field).data as Float64Array;
    const data = field.data as Float64Array;
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(decoded[i]! - data[i]!));
    expect(worst).toBeLessThanOrEqual(1e-4);
    // Same input and options, same bytes.
    const again = await compressDataset(field, {
      bound,
      learn: true,
      learnBlocks: { blocks: [] },
      learnStencilNetwork,
    });
    expect(again.bytes).toEqual(result.bytes);
    // Without per-value networks (compress --fast-decode), the classical stencil stays.
    const fast = await compressDataset(field, {
      bound,
      learn: true,
      learnBlocks: { blocks: [] },
      learnStencilNetwork: false,
    });
    const fastMethod = (await openBaler(bytesSource(fast.bytes))).metadata as FieldMetadata;
    expect((fastMethod.method.predictor as { name: string }).name).toMatch(/^stencil(-fallbacks)?$/);
    expect(fast.bytes.length).toBe(classical.bytes.length);
  });
});
