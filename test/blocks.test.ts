// A field predicted block by block (SPEC.md §7.3.1): decoded within its bound by @baler/decoder, and the
// decoder.onnx of a block-ae model runs in onnxruntime-node with the canonical computation's output.

import type { DecoderEngine } from '@baler/decoder';
import { onnxRuntimeEngine, openBytes } from '@baler/decoder';
import type { DecoderInfo, DecoderPlan, Field, StreamPlan } from '@baler/format';
import {
  blockCount,
  codesPerBlock,
  describeDataset,
  MemorySink,
  parseDenseOnnx,
  predictionsFromBlocks,
  runDenseNetwork,
  runWithEngineBound,
  splitBlockCodes,
  writeDatasetPieces,
} from '@baler/format';
import { randomDenseNetwork, seededRandom } from '@baler/format/testing';
import { createModel, denseNetworkToOnnx, engineSafeCandidate, extractDecoder } from '@baler/trainer';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

// Frames of 13 × 20 in blocks of 1 × 5 × 8: the last row of blocks is cut short (13 = 5 + 5 + 3).
const shape = [60, 13, 20];
const block = [1, 5, 8];
const network = randomDenseNetwork([3, 16, 40], ['leaky-relu', 'linear'], 11);
const info: DecoderInfo = {
  latent: 3,
  latentStep: 0.02,
  outputs: 40,
  blocks: { shape: block, centerStep: 0.001, spreadStep: 0.001 },
};
const random = seededRandom(12);
const width = codesPerBlock(3);
const count = blockCount(shape, block);
const codes = Int32Array.from({ length: count * width }, (_, k) =>
  k % width === 4 ? 500 + Math.round(random() * 1500) : Math.round((random() - 0.5) * 4000),
);
const { input, center, spread } = splitBlockCodes(codes, 3, info.latentStep, info.blocks!);
const out = runDenseNetwork(network, input, count);
const predicted = predictionsFromBlocks(
  { name: 'block-model', output: 0 },
  out,
  40,
  center,
  spread,
  shape,
  block,
);
// What the blocks explain, up to ±0.002.
const data = predicted.map((p) => p + (random() - 0.5) * 0.004);
const field: Field = { kind: 'field', shape, dtype: 'float64', data, attributes: {} };

async function write(predictor: object, withDecoder: boolean, anyEngine = false): Promise<Uint8Array> {
  let plan: StreamPlan = {
    method: { name: 'quantized', domain: 'linear', step: 0.01 * (1 - 2 ** -30), predictor } as never,
    bound: { kind: 'abs', value: 0.005 },
    tolerance: { absolute: 0.005, relative: 0 },
  };
  async function* one() {
    yield field;
  }
  const sink = new MemorySink();
  let decoder: DecoderPlan = { onnx: denseNetworkToOnnx(network), info, latents: () => codes };
  if (anyEngine) {
    const safe = await engineSafeCandidate({ plans: [plan], decoder }, field);
    plan = safe.plans[0]!;
    decoder = safe.decoder;
  }
  await writeDatasetPieces(describeDataset(field), one(), sink, [plan], withDecoder ? { decoder } : {});
  return sink.bytes();
}

describe('a field predicted in blocks', () => {
  it('decodes within its bound in @baler/decoder, and the blocks earn their bytes', async () => {
    const bytes = await write({ name: 'block-model', output: 0 }, true);
    const reader = await openBytes(bytes);
    const decoded = (await reader.read()) as Field;
    expect(decoded.shape).toEqual(shape);
    let worst = 0;
    for (let i = 0; i < data.length; i++)
      worst = Math.max(worst, Math.abs(Number(decoded.data[i]) - data[i]!));
    expect(worst).toBeLessThanOrEqual(0.005);
    expect(reader.info.sections.find((s) => s.kind === 'latents')?.sections).toBe(1);
    expect(bytes.length).toBeLessThan((await write({ name: 'lorenzo' }, false)).length / 2);
  });

  it('keeps its bound under onnxruntime and under any engine within SPEC §11.4 when written for them', async () => {
    const bytes = await write({ name: 'block-model', output: 0 }, true, true);
    const edge: DecoderEngine = {
      name: 'edge',
      canonical: false,
      run: async (model, z, batch) => {
        const { out: canonical, bound } = runWithEngineBound(parseDenseOnnx(model), z, batch);
        return canonical.map((v, k) => v + (k % 3 ? 1 : -1) * bound[k]!);
      },
    };
    for (const engine of [onnxRuntimeEngine(ort, { name: 'onnxruntime-node' }), edge]) {
      const reader = await openBytes(bytes, { engine });
      expect(reader.file.metadata.decoder?.anyOrder).toBe(true);
      const decoded = (await reader.read()) as Field;
      let worst = 0;
      for (let i = 0; i < data.length; i++)
        worst = Math.max(worst, Math.abs(Number(decoded.data[i]) - data[i]!));
      expect(worst, engine.name).toBeLessThanOrEqual(0.005);
    }
  });

  it('runs a block-ae decoder.onnx (float16 weights) in onnxruntime-node like the canonical computation', async () => {
    const model = createModel('block-ae', { inputs: 40, block, latent: 3 }, { seed: 4 });
    const onnx = denseNetworkToOnnx(extractDecoder(model), { weightPrecision: 'float16' });
    const session = await ort.InferenceSession.create(onnx);
    const result = await session.run({ latent: new ort.Tensor('float32', input, [count, 3]) });
    const ours = runDenseNetwork(parseDenseOnnx(onnx), input, count);
    const theirs = result.output!.data as Float32Array;
    expect(theirs.length).toBe(ours.length);
    for (let i = 0; i < ours.length; i++)
      expect(Math.abs(theirs[i]! - ours[i]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(ours[i]!)));
  });
});
