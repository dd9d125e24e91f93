// The dense stack's forward pass and its loss gradient (MSE, or the residuals' coding cost), written out by hand on TensorFlow.js ops instead
// of taken from tfjs's tape. Why: the tape's matMul gradient multiplies by transposed operands, which the
// wasm backend runs in a naive loop (~2 GFLOP/s here) rather than XNNPACK (~15–20 GFLOP/s); transposing
// first and multiplying plainly is 3–4× faster for Baler's models. The activations (the large operands)
// are transposed on the host, which beats the backend's Transpose kernel by ~10% of a step. The test
// checks the gradient against float64 finite differences. All functions allocate tensors: call them
// inside `tf.tidy`.

import type { Activation } from '@baler/format';
import type * as TF from '@tensorflow/tfjs-core';
import type { LayerSpec } from '../models/dense-ae.ts';
import { tfjs } from './engine.ts';

export interface GradientOptions {
  /**
   * How dW = Hᵀ·dZ and dH = dZ·Wᵀ are formed: `host` (default) transposes the activations in JavaScript,
   * `explicit` with tfjs's Transpose kernel, `attribute` passes transpose flags to matMul like tfjs's own
   * gradient (kept to measure the difference). See the module comment.
   */
  transposes?: 'host' | 'explicit' | 'attribute';
  /**
   * Train for file size instead of MSE: the loss becomes the residuals' coding cost per value, as an
   * adaptive entropy coder pays it for each output column j: ½·log2(MSE_j + rateStep²/12) bits up to a
   * constant (the rate of a Gaussian source; rateStep²/12 is the quantization noise, below which a
   * smaller error saves nothing), averaged over columns. Unlike the plain MSE it weighs each column by
   * its relative improvement, so well-predicted columns are not sacrificed to the noisiest one.
   */
  rateStep?: number;
}

export interface LayerTensors {
  weight: TF.Tensor2D;
  bias: TF.Tensor1D;
}

/**
 * The layers' weights and biases as tensors, uploaded straight from their places in the flat host
 * parameters (cheaper than uploading the vector and slicing it on the backend).
 */
export function uploadLayers(params: Float32Array, layers: readonly LayerSpec[]): LayerTensors[] {
  const tf = tfjs();
  return layers.map((layer) => ({
    weight: tf.tensor2d(params.subarray(layer.weightOffset, layer.biasOffset), [layer.inputs, layer.outputs]),
    bias: tf.tensor1d(params.subarray(layer.biasOffset, layer.biasOffset + layer.outputs)),
  }));
}

/** Runs `x` (samples × layers[0].inputs) through the layers; returns every layer's output, input first. */
export function forwardAll(
  tensors: readonly LayerTensors[],
  layers: readonly LayerSpec[],
  x: TF.Tensor2D,
): TF.Tensor2D[] {
  const outputs: TF.Tensor2D[] = [x];
  layers.forEach((layer, l) => {
    const { weight, bias } = tensors[l]!;
    outputs.push(dense(outputs[l]!, weight, bias, layer.activation, layer.alpha));
  });
  return outputs;
}

/** The output of the layers for `x`. */
export function forward(
  tensors: readonly LayerTensors[],
  layers: readonly LayerSpec[],
  x: TF.Tensor2D,
): TF.Tensor2D {
  return forwardAll(tensors, layers, x).at(-1)!;
}

/**
 * The mean squared error (or, with `rateStep`, the coding cost) between the layers' output for `x` and
 * `target` (default `x`: an autoencoder), and its gradient with respect to the flat parameters, in their layout (per layer: weight, then bias).
 */
export function lossAndGradient(
  tensors: readonly LayerTensors[],
  layers: readonly LayerSpec[],
  x: TF.Tensor2D,
  target: TF.Tensor2D = x,
  options: GradientOptions = {},
): { loss: TF.Scalar; gradient: TF.Tensor1D } {
  const tf = tfjs();
  const mode = options.transposes ?? 'host';
  const explicit = mode !== 'attribute';
  const h = forwardAll(tensors, layers, x);
  const difference = tf.sub(h.at(-1)!, target);
  const count = difference.size;
  const rateStep = options.rateStep;
  let loss: TF.Scalar;
  let dH: TF.Tensor2D;
  if (rateStep !== undefined) {
    // L = Σ_j log2(m_j + c) / 2C with m_j = Σ_i r_ij² / R: dL/dr_ij = r_ij / (R·C·ln2·(m_j + c)).
    const [rows, columns] = difference.shape as [number, number];
    const floor = tf.add(tf.mean(tf.square(difference), 0), (rateStep * rateStep) / 12);
    loss = tf.div(tf.sum(tf.log(floor)), 2 * columns * Math.LN2) as TF.Scalar;
    dH = tf.div(difference, tf.mul(floor, rows * columns * Math.LN2));
  } else {
    loss = tf.div(tf.sum(tf.square(difference)), count) as TF.Scalar;
    dH = tf.mul(difference, 2 / count);
  }
  // A row of ones under Hᵀ makes one product give [dW; db] (db = Σ over samples of dZ) in exactly the
  // parameters' layout, instead of a separate column sum, which tfjs runs as a transpose and a reduction.
  const ones = mode === 'explicit' ? tf.ones([1, x.shape[0]]) : null;
  const pieces: TF.Tensor1D[] = [];
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l]!;
    const dZ = activationGradient(dH, h[l + 1]!, layer.activation, layer.alpha);
    const input = h[l]!;
    if (mode === 'host') {
      const [rows, columns] = input.shape;
      const inputT = tf.tensor2d(transpose(input.dataSync() as Float32Array, rows, columns, true), [
        columns + 1,
        rows,
      ]);
      pieces[l] = tf.reshape(tf.matMul(inputT, dZ), [-1]) as TF.Tensor1D;
    } else if (mode === 'explicit') {
      pieces[l] = tf.reshape(tf.matMul(tf.concat([tf.transpose(input), ones!], 0), dZ), [-1]) as TF.Tensor1D;
    } else {
      pieces[l] = tf.concat([
        tf.reshape(tf.matMul(input, dZ, true, false), [-1]) as TF.Tensor1D,
        tf.sum(dZ, 0) as TF.Tensor1D,
      ]);
    }
    if (l > 0) {
      // Weights are small next to the activations: the backend's transpose is as fast as the host's here.
      const weight = tensors[l]!.weight;
      dH = explicit ? tf.matMul(dZ, tf.transpose(weight)) : tf.matMul(dZ, weight, false, true);
    }
  }
  return { loss, gradient: tf.concat(pieces) };
}

/**
 * The rows × columns row-major matrix transposed, in JavaScript: tfjs's wasm Transpose kernel moves about
 * 50 M values/s here, a blocked loop on the host several times that, copies to and from the backend
 * included. With `onesRow`, a row of ones is appended (see the [dW; db] product above).
 */
export function transpose(
  values: Float32Array,
  rows: number,
  columns: number,
  onesRow: boolean,
): Float32Array {
  const out = new Float32Array((columns + (onesRow ? 1 : 0)) * rows);
  const block = 16;
  for (let r0 = 0; r0 < rows; r0 += block) {
    const r1 = Math.min(rows, r0 + block);
    for (let c = 0; c < columns; c++) {
      const base = c * rows;
      for (let r = r0; r < r1; r++) out[base + r] = values[r * columns + c]!;
    }
  }
  if (onesRow) out.fill(1, columns * rows);
  return out;
}

function dense(
  input: TF.Tensor2D,
  weight: TF.Tensor2D,
  bias: TF.Tensor1D,
  activation: Activation,
  alpha: number,
): TF.Tensor2D {
  const tf = tfjs();
  switch (activation) {
    case 'leaky-relu':
      return tf.fused.matMul({
        a: input,
        b: weight,
        bias,
        activation: 'leakyrelu',
        leakyreluAlpha: alpha,
      }) as TF.Tensor2D;
    case 'sigmoid':
      return tf.fused.matMul({ a: input, b: weight, bias, activation: 'sigmoid' }) as TF.Tensor2D;
    case 'tanh':
      return tf.tanh(tf.fused.matMul({ a: input, b: weight, bias })) as TF.Tensor2D;
    default:
      return tf.fused.matMul({ a: input, b: weight, bias }) as TF.Tensor2D;
  }
}

/** dL/dZ from dL/dH, where H = act(Z): each derivative is written in terms of the output H. */
function activationGradient(
  dH: TF.Tensor2D,
  output: TF.Tensor2D,
  activation: Activation,
  alpha: number,
): TF.Tensor2D {
  const tf = tfjs();
  switch (activation) {
    case 'leaky-relu':
      // H > 0 exactly where Z > 0 (alpha ≥ 0), so the slope is step(H): 1 above zero, alpha below.
      return tf.mul(dH, tf.step(output, alpha));
    case 'sigmoid':
      return tf.mul(dH, tf.mul(output, tf.sub(1, output)));
    case 'tanh':
      return tf.mul(dH, tf.sub(1, tf.square(output)));
    default:
      return dH;
  }
}
