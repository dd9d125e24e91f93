import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Field } from '@baler/format';
import { parseDenseOnnx } from '@baler/format';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDataFile } from '../io/dataset-files.ts';
import { sharedDataPath, temporaryDirectory } from '../io/test-support.ts';
import { extractDecoder } from '../models/decoder.ts';
import { loadModelDir } from '../models/model-dir.ts';
import { trainToModelDir } from './train-dir.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await temporaryDirectory());
});
afterEach(() => cleanup());

describe('trainToModelDir', () => {
  it('trains on a table, writes the directory, and resumes to more epochs from its checkpoint', async () => {
    const table = await readDataFile(`${sharedDataPath('lhcb-b2hhh.h5')}:/data`);
    const options = {
      modelName: 'dense-ae-slim',
      model: { latent: 8 },
      training: { epochs: 2, batchSize: 512, seed: 4 },
      source: 'lhcb-b2hhh.h5:/data',
      log: () => {},
    };
    const first = await trainToModelDir(table, dir, options);
    expect(first.config).toMatchObject({
      name: 'dense-ae-slim',
      seed: 4,
      data: { kind: 'table', rows: 4322, features: 26, source: 'lhcb-b2hhh.h5:/data' },
      outcome: { epochs: 2, backend: 'wasm' },
    });
    const loaded = await loadModelDir(dir);
    expect(loaded.model.params).toEqual(first.result.model.params);
    expect(loaded.log).toHaveLength(2);
    expect(loaded.normalization.names).toContain('H1_IPChi2');
    // The frozen decoder is written as ONNX beside the weights, and reads back as exactly that network.
    const onnx = new Uint8Array(await readFile(join(dir, 'decoder.onnx')));
    // (ONNX stores the leaky-relu slope as float32, as the canonical computation uses it.)
    const asStored = (n: ReturnType<typeof extractDecoder>) =>
      n.layers.map((l) => ({ ...l, alpha: Math.fround(l.alpha) }));
    expect(asStored(parseDenseOnnx(onnx))).toEqual(asStored(extractDecoder(loaded.model)));

    const resumed = await trainToModelDir(table, dir, {
      resume: true,
      training: { epochs: 3 },
      log: () => {},
    });
    expect(resumed.result.log.map((r) => r.epoch)).toEqual([1, 2, 3]);
    expect(resumed.config.training.epochs).toBe(3);
    expect(resumed.config.training.batchSize).toBe(512);
    expect((await loadModelDir(dir)).log).toHaveLength(3);

    const field: Field = {
      kind: 'field',
      shape: [4322, 26],
      dtype: 'float64',
      data: new Float64Array(4322 * 26),
      attributes: {},
    };
    await expect(trainToModelDir(field, dir, { resume: true, log: () => {} })).rejects.toThrow(
      /not the data the checkpoint was trained on/,
    );
  });

  it('trains on a field, one sample per frame', async () => {
    const field = await readDataFile(`${sharedDataPath('cfd-animation.h5')}:/data`);
    const { config } = await trainToModelDir(field, dir, {
      modelName: 'dense-ae-tiny',
      model: { latent: 5 },
      training: { epochs: 2 },
      log: () => {},
    });
    expect(config.model).toMatchObject({ inputs: 2500, encoder: [32], latent: 5 });
    expect(config.data).toMatchObject({ kind: 'field', rows: 60, sampleShape: [50, 50] });
  });

  it('writes decoder.onnx at the weight precision asked for, which loadModelDir hands on', async () => {
    const field = await readDataFile(`${sharedDataPath('cfd-animation.h5')}:/data`);
    const sizes: Record<string, number> = {};
    for (const weightPrecision of ['float32', 'int8'] as const) {
      const at = join(dir, weightPrecision);
      const { config, result } = await trainToModelDir(field, at, {
        modelName: 'dense-ae-tiny',
        model: { latent: 5 },
        training: { epochs: 2 },
        weightPrecision,
        log: () => {},
      });
      expect(config.weightPrecision).toBe(weightPrecision);
      const onnx = new Uint8Array(await readFile(join(at, 'decoder.onnx')));
      sizes[weightPrecision] = onnx.length;
      expect((await loadModelDir(at)).decoderOnnx).toEqual(onnx);
      const decoder = parseDenseOnnx(onnx);
      const float = extractDecoder(result.model);
      // int8 weights are within half a step of the float ones; float32 ones are exact.
      const last = decoder.layers.at(-1)!.weight;
      const exact = float.layers.at(-1)!.weight;
      const worst = last.reduce((m, w, i) => Math.max(m, Math.abs(w - exact[i]!)), 0);
      if (weightPrecision === 'float32') expect(worst).toBe(0);
      else expect(worst).toBeGreaterThan(0);
    }
    // 32 × 2500 output weights dominate: int8 codes take a quarter of their bytes (+ float32 scales, biases).
    expect(sizes.int8!).toBeLessThan(sizes.float32! * 0.35);
  });

  it('writes a block-ae decoder at int8 precision, calibrated on its blocks', async () => {
    const field = await readDataFile(`${sharedDataPath('cfd-animation.h5')}:/data`);
    const { config } = await trainToModelDir(field, dir, {
      modelName: 'block-ae',
      model: { latent: 4, block: [1, 10, 10] },
      training: { epochs: 1 },
      weightPrecision: 'int8',
      log: () => {},
    });
    expect(config.weightPrecision).toBe('int8');
    const decoder = parseDenseOnnx(new Uint8Array(await readFile(join(dir, 'decoder.onnx'))));
    expect(decoder.layers.map((l) => [l.inputs, l.outputs])).toEqual([[4, 100]]);
  });
});
