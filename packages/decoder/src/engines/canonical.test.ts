import { readFileSync } from 'node:fs';
import { isBalerError, parseDenseOnnx, runDenseNetwork } from '@baler/format';
import { describe, expect, it } from 'vitest';
import { canonicalEngine } from './canonical.ts';

const MODEL = new Uint8Array(
  readFileSync(new URL('../../../format/src/model/testdata/tiny-decoder.onnx', import.meta.url)),
);

describe('canonicalEngine', () => {
  it('runs the ONNX bytes with the canonical kernels, bit for bit', async () => {
    const engine = canonicalEngine();
    expect(engine).toMatchObject({ name: 'canonical', canonical: true });
    const input = Float32Array.from({ length: 3 * 7 }, (_, k) => Math.sin(k) * 2);
    const output = await engine.run(MODEL, input, 7);
    expect(output).toEqual(runDenseNetwork(parseDenseOnnx(MODEL), input, 7));
    expect(await engine.run(MODEL, input, 7)).toEqual(output); // the cached network gives the same
    await engine.release?.(MODEL);
  });

  it('reports a damaged model as a BalerError', async () => {
    const error = await canonicalEngine()
      .run(MODEL.subarray(0, 100), new Float32Array(3), 1)
      .catch((e: unknown) => e);
    expect(isBalerError(error, 'MalformedSection')).toBe(true);
  });
});
