import { readFileSync } from 'node:fs';
import { parseDenseOnnx, runDenseNetwork } from '@baler/format';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { onnxRuntimeEngine } from './onnxruntime.ts';

// onnxruntime-node is a dev dependency of the workspace (@baler/trainer); the decoder itself never imports
// it: the user hands the module to onnxRuntimeEngine.
const MODEL = new Uint8Array(
  readFileSync(new URL('../../../format/src/model/testdata/tiny-decoder.onnx', import.meta.url)),
);

describe('onnxRuntimeEngine', () => {
  it('runs the model through the given onnxruntime module, within float tolerance of the canonical result', async () => {
    const engine = onnxRuntimeEngine(ort, {
      name: 'onnxruntime-node',
      sessionOptions: { intraOpNumThreads: 1 },
    });
    expect(engine).toMatchObject({ name: 'onnxruntime-node', canonical: false });
    const input = Float32Array.from({ length: 3 * 9 }, (_, k) => Math.cos(k) * 3);
    const output = await engine.run(MODEL, input, 9);
    const expected = runDenseNetwork(parseDenseOnnx(MODEL), input, 9);
    expect(output.length).toBe(expected.length);
    output.forEach((v, k) => {
      expect(Math.abs(v - expected[k]!)).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(expected[k]!));
    });
    expect(await engine.run(MODEL, new Float32Array(0), 0)).toEqual(new Float32Array(0));
    await engine.release?.(MODEL);
  });

  it('rejects an input that does not split into the batch', async () => {
    await expect(onnxRuntimeEngine(ort).run(MODEL, new Float32Array(4), 3)).rejects.toThrow(RangeError);
  });

  it('does not cache a model that failed to load', async () => {
    let creates = 0;
    const fake = {
      InferenceSession: {
        create: async () => {
          creates++;
          throw new Error('bad model');
        },
      },
      Tensor: ort.Tensor,
    };
    const engine = onnxRuntimeEngine(fake);
    await expect(engine.run(MODEL, new Float32Array(3), 1)).rejects.toThrow('bad model');
    await expect(engine.run(MODEL, new Float32Array(3), 1)).rejects.toThrow('bad model');
    expect(creates).toBe(2);
  });
});
