// Running a trained model on TensorFlow.js: the latents the compressor stores, and the decoder's
// reconstruction from them. Data goes through in chunks so that memory stays bounded for large inputs.

import type { DenseModel, LayerSpec } from '../models/dense-ae.ts';
import { ensureTensorflow, tfjs } from './engine.ts';
import { forward, uploadLayers } from './network.ts';

/** The latent values (samples × k, row-major) of normalized samples × inputs `data`. */
export async function encodeLatents(model: DenseModel, data: Float32Array): Promise<Float32Array> {
  await ensureTensorflow();
  return runLayers(model, model.layers.slice(0, model.encoderLayers), data);
}

/** The decoder's output (normalized samples × inputs) for samples × k `latents`. */
export async function decodeLatents(model: DenseModel, latents: Float32Array): Promise<Float32Array> {
  await ensureTensorflow();
  return runLayers(model, model.layers.slice(model.encoderLayers), latents);
}

/** The model's reconstruction of normalized `data` (encoder then decoder). */
export async function reconstruct(model: DenseModel, data: Float32Array): Promise<Float32Array> {
  await ensureTensorflow();
  return runLayers(model, model.layers, data);
}

function runLayers(model: DenseModel, layers: LayerSpec[], input: Float32Array): Float32Array {
  const tf = tfjs();
  const inputs = layers[0]!.inputs;
  const outputs = layers.at(-1)!.outputs;
  if (input.length % inputs !== 0)
    throw new RangeError(`got ${input.length} values, not a whole number of samples of ${inputs}`);
  const rows = input.length / inputs;
  const out = new Float32Array(rows * outputs);
  const chunk = Math.max(1, Math.floor((1 << 20) / Math.max(inputs, outputs)));
  const tensors = uploadLayers(model.params, layers);
  try {
    for (let start = 0; start < rows; start += chunk) {
      const count = Math.min(chunk, rows - start);
      const result = tf.tidy(() =>
        forward(
          tensors,
          layers,
          tf.tensor2d(input.subarray(start * inputs, (start + count) * inputs), [count, inputs]),
        ),
      );
      out.set(result.dataSync() as Float32Array, start * outputs);
      result.dispose();
    }
  } finally {
    for (const t of tensors) tf.dispose([t.weight, t.bias]);
  }
  return out;
}
