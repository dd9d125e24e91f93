// Decoder weights at reduced precision (SPEC.md §11.2, since 1.1), corrected for what rounding them costs.
// Rounding every weight of a layer shifts the mean of its outputs (the rounding errors do not cancel on
// activations that are mostly positive, as after LeakyReLU); each layer's float32 bias absorbs that shift,
// measured on calibration latents layer by layer through the already rounded layers ("bias correction",
// Nagel et al. 2019). The residuals then correct what is left, so this only saves bytes, never accuracy.
import type { DenseLayer, DenseNetwork } from '@baler/format';
import { parseDenseOnnx, runDenseNetwork } from '@baler/format';
import { denseNetworkToOnnx, type OnnxExportOptions, type WeightPrecision } from './to-onnx.ts';

export interface Calibration {
  /** Row-major [rows][latent] inputs of the decoder, e.g. the latents of the training data. */
  latents: Float32Array;
  rows: number;
}

/**
 * The ONNX bytes of `network` with its weights stored at `precision`, biases corrected on `calibration`
 * when given (float32 is exact and needs none). What decoders run is `parseDenseOnnx` of the result.
 */
export function exportDecoder(
  network: DenseNetwork,
  precision: WeightPrecision,
  calibration?: Calibration,
  options: Omit<OnnxExportOptions, 'weightPrecision'> = {},
): Uint8Array {
  const exported = denseNetworkToOnnx(network, { ...options, weightPrecision: precision });
  if (precision === 'float32' || !calibration || calibration.rows === 0) return exported;
  const rounded = parseDenseOnnx(exported);
  const corrected: DenseLayer[] = [];
  let exact = calibration.latents;
  let approximate = calibration.latents;
  network.layers.forEach((layer, k) => {
    const roundedLayer = rounded.layers[k]!;
    const target = preActivation(layer, exact, calibration.rows);
    const got = preActivation(roundedLayer, approximate, calibration.rows);
    const bias = Float32Array.from(layer.bias, (b, o) => {
      let shift = 0;
      for (let r = 0; r < calibration.rows; r++)
        shift += target[r * layer.outputs + o]! - got[r * layer.outputs + o]!;
      return b + shift / calibration.rows;
    });
    corrected.push({ ...layer, bias });
    exact = runDenseNetwork({ layers: [layer] }, exact, calibration.rows);
    approximate = runDenseNetwork({ layers: [{ ...roundedLayer, bias }] }, approximate, calibration.rows);
  });
  // Same weights, so the same stored codes; only the float32 biases change.
  return denseNetworkToOnnx({ layers: corrected }, { ...options, weightPrecision: precision });
}

function preActivation(layer: DenseLayer, input: Float32Array, rows: number): Float32Array {
  return runDenseNetwork({ layers: [{ ...layer, activation: 'linear' }] }, input, rows);
}
