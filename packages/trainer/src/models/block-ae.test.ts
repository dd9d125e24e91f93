import { describe, expect, it } from 'vitest';
import {
  blockSamples,
  defaultBlockShapes,
  fitLinearLatents,
  principalBlockModel,
  shiftCenters,
  trainingBlocks,
} from './block-ae.ts';

describe('blocks of a field as samples', () => {
  it('pads edge blocks with the nearest value, normalizes by quantized centre and spread, marks the padding', () => {
    // A 1 × 3 chunk in blocks of 1 × 2: the second block holds one value and one repeat of it.
    const blocks = blockSamples(Float64Array.of(1, 3, 10), [1, 3], [1, 2], {
      centerStep: 0.5,
      spreadStep: 0.25,
    });
    expect(blocks.count).toBe(2);
    expect(Array.from(blocks.centerCodes)).toEqual([4, 20]); // means 2 and 10
    expect(Array.from(blocks.spreadCodes)).toEqual([4, 0]); // deviations 1 and 0
    expect(Array.from(blocks.samples)).toEqual([-1, 1, 0, 0]);
    expect(Array.from(blocks.inside)).toEqual([1, 1, 1, 0]);
  });

  it('picks frame-deep blocks of 8 per axis, and 4-frame blocks for 3-D fields with enough frames', () => {
    expect(defaultBlockShapes([60, 50, 50])).toEqual([
      [1, 8, 8],
      [4, 8, 8],
    ]);
    expect(defaultBlockShapes([3, 5, 50])).toEqual([[1, 5, 8]]);
    expect(defaultBlockShapes([1000])).toEqual([[64]]);
  });

  it('trains on whole blocks only when there are enough of them', () => {
    const values = Float64Array.from({ length: 100 * 9 }, (_, i) => Math.sin(i));
    expect(trainingBlocks(values, [100, 9], [1, 4]).length).toBe(100 * 2 * 4); // 200 whole of 300
    expect(trainingBlocks(values.subarray(0, 90), [10, 9], [1, 4]).length).toBe(30 * 4); // too few: all
  });
});

describe('the linear block autoencoder', () => {
  // Samples spanned by two directions plus a mean: principal components recover them exactly.
  const width = 6;
  const u = [1, 2, 0, -1, 0, 1];
  const v = [0, 1, -1, 1, 2, 0];
  const samples = new Float32Array(50 * width);
  for (let s = 0; s < 50; s++) {
    const [a, b] = [Math.sin(s), Math.cos(3 * s)];
    for (let c = 0; c < width; c++) samples[s * width + c] = 0.5 + a * u[c]! + b * v[c]!;
  }

  it('is the leading principal components: its decoder reproduces samples of that span', () => {
    const model = principalBlockModel('block-ae', samples, width, 2);
    expect(model.config).toMatchObject({ family: 'block-ae', inputs: 6, latent: 2, encoder: [] });
    const [, decoder] = model.layers;
    const weight = model.params.slice(decoder!.weightOffset, decoder!.biasOffset);
    const bias = model.params.slice(decoder!.biasOffset, decoder!.biasOffset + width);
    const inside = new Uint8Array(samples.length).fill(1);
    const { latents } = fitLinearLatents(weight, bias, { count: 50, samples, inside });
    for (let s = 0; s < 50; s++) {
      for (let c = 0; c < width; c++) {
        const predicted = bias[c]! + latents[s * 2]! * weight[c]! + latents[s * 2 + 1]! * weight[width + c]!;
        expect(predicted).toBeCloseTo(samples[s * width + c]!, 4);
      }
    }
  });

  it('fits an edge block from its inside values alone, its level included', () => {
    const model = principalBlockModel('block-ae', samples, width, 2);
    const [, decoder] = model.layers;
    const weight = model.params.slice(decoder!.weightOffset, decoder!.biasOffset);
    const bias = model.params.slice(decoder!.biasOffset, decoder!.biasOffset + width);
    // Four values of a sample shifted by +3, the last two positions padding (garbage).
    const target = Array.from({ length: width }, (_, c) => 0.5 + 0.3 * u[c]! - 0.7 * v[c]! + 3);
    const block = {
      count: 1,
      samples: Float32Array.from([...target.slice(0, 4), 99, -99]),
      centerCodes: Int32Array.of(0),
      spreadCodes: Int32Array.of(1),
      inside: Uint8Array.of(1, 1, 1, 1, 0, 0),
    };
    const { shifts } = fitLinearLatents(weight, bias, block, { withShift: true });
    expect(shifts[0]).toBeCloseTo(3, 3);
    shiftCenters(block, shifts, { centerStep: 0.001, spreadStep: 1 });
    expect(block.centerCodes[0]).toBe(3000);
    const { latents } = fitLinearLatents(weight, bias, block);
    for (let c = 0; c < 4; c++) {
      const predicted = 3 + bias[c]! + latents[0]! * weight[c]! + latents[1]! * weight[width + c]!;
      expect(predicted).toBeCloseTo(target[c]!, 3);
    }
  });
});
