// A field predicted by a stencil and its correcting network (SPEC.md §7.2.1 `stencil-network`): the
// trainer's exporter writes the network, the format writes the file, @baler/decoder reads it within its
// bound — and with an onnxruntime engine asked for, still by the canonical kernels, bit for bit.

import { onnxRuntimeEngine, openBytes } from '@baler/decoder';
import type { Field, StreamPlan } from '@baler/format';
import { MemorySink, writeDataset } from '@baler/format';
import { randomDenseNetwork } from '@baler/format/testing';
import { denseNetworkToOnnx } from '@baler/trainer';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { flowLikeField } from './flow-field.ts';

const field = flowLikeField(12, 20, 30, 1e-3);
const offsets = [
  [-1, 0, 0],
  [0, -1, 0],
  [0, 0, -1],
  [0, -1, -1],
];
const onnx = denseNetworkToOnnx(randomDenseNetwork([4, 8, 1], ['tanh', 'linear'], 5), {
  weightPrecision: 'int8',
});
const predictor = {
  name: 'stencil-network',
  offsets,
  weights: [0.2, 1, 1, -1],
  inputOffset: 0.4,
  inputScale: 2,
  outputScale: 1e-3,
  fallbacks: [{ offsets: [[0, 0, -1]], weights: [1] }],
};
const plan: StreamPlan = {
  method: { name: 'quantized', domain: 'linear', step: 2e-4 * (1 - 2 ** -30), predictor },
  bound: { kind: 'abs', value: 1e-4 },
  tolerance: { absolute: 1e-4, relative: 0 },
};

describe('a field predicted by a stencil network', () => {
  it('decodes within its bound in @baler/decoder, with or without an engine', async () => {
    const sink = new MemorySink();
    await writeDataset(field, sink, [plan], { chunkRows: 5, stencilNetwork: onnx });
    const bytes = sink.bytes();
    const reader = await openBytes(bytes);
    expect(reader.info.sections.find((s) => s.kind === 'model')?.sections).toBe(1);
    const decoded = ((await reader.read()) as Field).data as Float32Array;
    const data = field.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(decoded[i]! - data[i]!));
    expect(worst).toBeLessThanOrEqual(1e-4);
    // The network runs once per value on values just decoded, so engines do not apply: the same bits.
    const engine = onnxRuntimeEngine(ort, { name: 'onnxruntime-node' });
    const viaEngine = await openBytes(bytes, { engine });
    expect(((await viaEngine.read()) as Field).data).toEqual(decoded);
    const rows = (await reader.read({ start: 6, end: 9 })) as Field;
    expect(rows.data).toEqual(decoded.subarray(6 * 600, 9 * 600));
  });
});
