import { describe, expect, it } from 'vitest';
import { denseAeMacs } from './dense-ae.ts';
import { createModel, listModels, ModelConfigError, resolveModelConfig } from './registry.ts';

describe('model registry', () => {
  it("builds Baler's LHCb model: 26-200-100-50-13 and mirrored back, LeakyReLU, linear latent and output", () => {
    const model = createModel('dense-ae', { inputs: 26, latent: 13 });
    expect(model.layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([
      [26, 200, 'leaky-relu'],
      [200, 100, 'leaky-relu'],
      [100, 50, 'leaky-relu'],
      [50, 13, 'linear'],
      [13, 50, 'leaky-relu'],
      [50, 100, 'leaky-relu'],
      [100, 200, 'leaky-relu'],
      [200, 26, 'linear'],
    ]);
    expect(model.encoderLayers).toBe(4);
    expect(model.params).toHaveLength(62439);
    expect(denseAeMacs(model)).toBe(61700);
    expect(model.layers[0]!.alpha).toBe(0.01);
  });

  it('initialises from the seed like PyTorch (uniform within ±1/√inputs)', () => {
    const a = createModel('dense-ae-slim', { inputs: 10, latent: 3 }, { seed: 1 });
    expect(createModel('dense-ae-slim', { inputs: 10, latent: 3 }, { seed: 1 }).params).toEqual(a.params);
    expect(createModel('dense-ae-slim', { inputs: 10, latent: 3 }, { seed: 2 }).params).not.toEqual(a.params);
    for (const layer of a.layers) {
      const bound = 1 / Math.sqrt(layer.inputs);
      for (let i = layer.weightOffset; i < layer.biasOffset + layer.outputs; i++)
        expect(Math.abs(a.params[i]!)).toBeLessThanOrEqual(bound);
    }
  });

  it('lists presets as JSON configs and fills defaults: half the inputs as latent, mirrored decoder', () => {
    expect(listModels().map((m) => m.name)).toEqual([
      'dense-ae',
      'dense-ae-slim',
      'dense-ae-tiny',
      'block-ae',
    ]);
    expect(JSON.parse(JSON.stringify(listModels()))).toEqual(listModels());
    expect(resolveModelConfig('dense-ae-slim', { inputs: 2500 })).toMatchObject({
      encoder: [64, 32],
      latent: 1250,
      decoder: [32, 64],
    });
    expect(resolveModelConfig('dense-ae', { inputs: 8, decoder: [16] }).decoder).toEqual([16]);
    expect(resolveModelConfig('block-ae', { inputs: 60, block: [1, 6, 10] })).toMatchObject({
      family: 'block-ae',
      encoder: [],
      latent: 4,
      decoder: [],
      block: [1, 6, 10],
    });
    expect(() => resolveModelConfig('block-ae', { inputs: 64, block: [1, 6, 10] })).toThrow(
      /block \[1,6,10\] holds 60 values but inputs is 64/,
    );
  });

  it('names what is wrong with a config', () => {
    expect(() => createModel('dense-vae', { inputs: 4 })).toThrow(
      /unknown model "dense-vae"; models: dense-ae/,
    );
    expect(() => createModel('dense-ae', { inputs: 4, latent: 0 })).toThrow(ModelConfigError);
    expect(() => createModel('dense-ae', { inputs: 4, activation: 'relu' as never })).toThrow(
      /activation must be one of/,
    );
    expect(() => createModel('dense-ae', { inputs: 4, width: 3 } as never)).toThrow(
      /unknown model setting width/,
    );
  });
});
