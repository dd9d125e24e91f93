import { parseDenseOnnx, runDenseNetwork } from '@baler/format';
import { randomDenseNetwork, randomInput } from '@baler/format/testing';
import { describe, expect, it } from 'vitest';
import { denseNetworkToOnnx } from './to-onnx.ts';
import { exportDecoder } from './weight-precision.ts';

/** Mean over outputs of |mean error| (the bias) and the RMS error of `approx` against `exact`. */
function errors(approx: Float32Array, exact: Float32Array, outputs: number): { bias: number; rms: number } {
  const rows = exact.length / outputs;
  let bias = 0;
  let squares = 0;
  for (let o = 0; o < outputs; o++) {
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const d = approx[r * outputs + o]! - exact[r * outputs + o]!;
      sum += d;
      squares += d * d;
    }
    bias += Math.abs(sum / rows);
  }
  return { bias: bias / outputs, rms: Math.sqrt(squares / exact.length) };
}

describe('exportDecoder', () => {
  const shape = [6, 40, 80, 26];
  const network = randomDenseNetwork(shape, ['leaky-relu', 'leaky-relu', 'linear'], 7);
  const rows = 400;
  // Latents with a non-zero mean, as a trained encoder gives: rounding errors then add up in each output.
  const latents = randomInput(rows * 6, 3).map((z) => z + 0.8);
  const exact = runDenseNetwork(network, latents, rows);

  it('keeps float32 exact and ignores the calibration', () => {
    expect(exportDecoder(network, 'float32', { latents, rows })).toEqual(denseNetworkToOnnx(network));
  });

  it.each(['float16', 'int8'] as const)('removes the mean shift that %s rounding causes', (precision) => {
    const plain = parseDenseOnnx(denseNetworkToOnnx(network, { weightPrecision: precision }));
    const corrected = parseDenseOnnx(exportDecoder(network, precision, { latents, rows }));
    // The stored weights are the same; only the biases moved.
    corrected.layers.forEach((layer, k) => {
      expect(layer.weight).toEqual(plain.layers[k]!.weight);
    });
    const before = errors(runDenseNetwork(plain, latents, rows), exact, 26);
    const after = errors(runDenseNetwork(corrected, latents, rows), exact, 26);
    expect(after.bias).toBeLessThan(before.bias / 4);
    expect(after.rms).toBeLessThan(before.rms);
    // Held-out latents from the same distribution improve too.
    const heldOut = randomInput(rows * 6, 9).map((z) => z + 0.8);
    const heldExact = runDenseNetwork(network, heldOut, rows);
    expect(errors(runDenseNetwork(corrected, heldOut, rows), heldExact, 26).rms).toBeLessThan(
      errors(runDenseNetwork(plain, heldOut, rows), heldExact, 26).rms,
    );
  });
});
