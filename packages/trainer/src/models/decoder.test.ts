import { validateDenseNetwork } from '@baler/format';
import { beforeAll, describe, expect, it } from 'vitest';
import { initTensorflow } from '../train/engine.ts';
import { decodeLatents, encodeLatents, reconstruct } from '../train/inference.ts';
import { float32Forward, normalizedLhcb, referenceForward } from '../train/test-support.ts';
import { trainModel } from '../train/train.ts';
import { extractDecoder, extractEncoder } from './decoder.ts';
import { createModel } from './registry.ts';

beforeAll(async () => {
  await initTensorflow({ log: () => {} });
});

describe('extractDecoder', () => {
  it("gives the decoder as a DenseNetwork whose plain float32 forward matches tfjs's within 1e-5", async () => {
    const data = await normalizedLhcb(1000);
    const untrained = createModel('dense-ae', { inputs: 26, latent: 13 }, { seed: 4 });
    const { model } = await trainModel(untrained, data, { config: { epochs: 2, batchSize: 250 } });
    const decoder = extractDecoder(model);
    validateDenseNetwork(decoder);
    expect(decoder.layers.map((l) => [l.inputs, l.outputs, l.activation, l.alpha])).toEqual([
      [13, 50, 'leaky-relu', 0.01],
      [50, 100, 'leaky-relu', 0.01],
      [100, 200, 'leaky-relu', 0.01],
      [200, 26, 'linear', 0],
    ]);
    const rows = 200;
    const latents = await encodeLatents(model, data.subarray(0, rows * 26));
    expect(latents).toHaveLength(rows * 13);
    const expected = await decodeLatents(model, latents);
    const actual = float32Forward(decoder, latents, rows);
    let scale = 0;
    for (const v of expected) scale = Math.max(scale, Math.abs(v));
    for (let k = 0; k < expected.length; k++) {
      expect(Math.abs(actual[k]! - expected[k]!)).toBeLessThanOrEqual(
        1e-5 * Math.max(Math.abs(expected[k]!), scale * 1e-2),
      );
    }
    // Encoder then decoder is the model's reconstruction.
    const whole = await reconstruct(model, data.subarray(0, rows * 26));
    const twoStep = float32Forward(
      decoder,
      float32Forward(extractEncoder(model), data.subarray(0, rows * 26), rows),
      rows,
    );
    for (let k = 0; k < whole.length; k++) expect(twoStep[k]).toBeCloseTo(whole[k]!, 4);
  });

  it('copies the parameters: the network does not change when the model does', () => {
    const model = createModel('dense-ae-tiny', { inputs: 6, latent: 2 });
    const decoder = extractDecoder(model);
    const before = decoder.layers[0]!.weight[0];
    model.params.fill(7);
    expect(decoder.layers[0]!.weight[0]).toBe(before);
    const reference = referenceForward(
      model.layers.slice(model.encoderLayers),
      model.params,
      new Float32Array(2),
      1,
    );
    expect(reference).toHaveLength(6);
  });
});
