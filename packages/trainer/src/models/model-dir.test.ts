import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isDataInputError } from '../io/errors.ts';
import { temporaryDirectory } from '../io/test-support.ts';
import type { Normalization } from '../train/normalization.ts';
import { resolveTrainingConfig } from '../train/train.ts';
import {
  canonicalJson,
  loadModelDir,
  MODEL_DIR_FILES,
  saveModelDir,
  trainingConfigSha256,
} from './model-dir.ts';
import { createModel } from './registry.ts';

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await temporaryDirectory());
});
afterEach(() => cleanup());

const normalization: Normalization = {
  version: 1,
  layout: 'columns',
  names: ['a', 'b', 'c'],
  transforms: [
    { kind: 'robust', center: 1, scale: 2 },
    { kind: 'log', offset: 0.5, center: 0, scale: 1 },
    { kind: 'discrete', center: 0, scale: 1 },
  ],
};

async function save(target = dir) {
  const model = createModel('dense-ae-tiny', { inputs: 3, latent: 2 }, { seed: 8 });
  const training = resolveTrainingConfig({ epochs: 2, seed: 8 });
  const log = [{ epoch: 1, loss: 0.5, validationLoss: null, seconds: 0.1, learningRate: 1e-3 }];
  const config = await saveModelDir(target, {
    model,
    normalization,
    training,
    log,
    artifacts: { 'decoder.onnx': Uint8Array.of(1, 2, 3) },
  });
  return { model, training, log, config };
}

describe('model directory', () => {
  it('saves and loads the model, normalization, training config and log', async () => {
    const { model, training, log, config } = await save();
    expect(config.trainingSha256).toBe(trainingConfigSha256(training));
    expect(config.files).toContain('decoder.onnx');
    expect(config.decoderLayers).toEqual([2, 4]);
    const loaded = await loadModelDir(dir);
    expect(loaded.model).toEqual(model);
    expect(loaded.normalization).toEqual(normalization);
    expect(loaded.training).toEqual(training);
    expect(loaded.log).toEqual(log);
    expect(await readFile(join(dir, 'decoder.onnx'))).toEqual(Buffer.from([1, 2, 3]));
    const manifest = JSON.parse(await readFile(join(dir, MODEL_DIR_FILES.manifest), 'utf8'));
    expect(manifest.tensors.map((t: { name: string }) => t.name)).toEqual([
      'encoder.0.weight',
      'encoder.0.bias',
      'encoder.1.weight',
      'encoder.1.bias',
      'decoder.0.weight',
      'decoder.0.bias',
      'decoder.1.weight',
      'decoder.1.bias',
    ]);
  });

  it('refuses damaged weights and directories that are not models, with DataInputErrors', async () => {
    await save();
    const weights = join(dir, MODEL_DIR_FILES.weights);
    const bytes = await readFile(weights);
    bytes[0]! ^= 1;
    await writeFile(weights, bytes);
    await expect(loadModelDir(dir)).rejects.toThrow(/does not match the sha256/);
    await expect(loadModelDir(join(dir, 'nothing'))).rejects.toThrow(/no such model directory/);
    await mkdir(join(dir, 'empty'));
    const error = await loadModelDir(join(dir, 'empty')).catch((e) => e);
    expect(isDataInputError(error)).toBe(true);
    expect(error.message).toMatch(/config\.json: is missing\. .* continue it with baler train --resume/);
  });

  it('notices a training config edited after training', async () => {
    await save();
    const path = join(dir, MODEL_DIR_FILES.config);
    const config = JSON.parse(await readFile(path, 'utf8'));
    config.training.epochs = 99;
    await writeFile(path, JSON.stringify(config));
    await expect(loadModelDir(dir)).rejects.toThrow(/does not match its trainingSha256/);
  });

  it('hashes the training config canonically, whatever the key order', () => {
    const a = resolveTrainingConfig({ epochs: 3 });
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as typeof a;
    expect(trainingConfigSha256(reordered)).toBe(trainingConfigSha256(a));
    expect(trainingConfigSha256({ ...a, epochs: 4 })).not.toBe(trainingConfigSha256(a));
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe('{"a":{"c":3,"d":2},"b":1}');
  });

  it('keeps its own file names from artifacts', async () => {
    const model = createModel('dense-ae-tiny', { inputs: 3, latent: 2 });
    const contents = { model, normalization, training: resolveTrainingConfig(), log: [] };
    await expect(saveModelDir(dir, { ...contents, artifacts: { 'config.json': '{}' } })).rejects.toThrow(
      /reserved/,
    );
    await expect(saveModelDir(dir, { ...contents, artifacts: { '../x': '{}' } })).rejects.toThrow(
      /plain file name/,
    );
  });
});
