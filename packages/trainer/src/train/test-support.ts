// Shared by the training tests: a float64 reference forward pass (independent of TensorFlow.js) and the
// real LHCb data, normalized, cut to a size that keeps the tests fast.

import type { DenseNetwork } from '@baler/format';
import { readDataFile } from '../io/dataset-files.ts';
import { sharedDataPath } from '../io/test-support.ts';
import type { LayerSpec } from '../models/dense-ae.ts';
import { datasetToMatrix } from './matrix.ts';
import { fitNormalization, normalize } from './normalization.ts';

export function activate(activation: string, alpha: number, z: number): number {
  switch (activation) {
    case 'leaky-relu':
      return z > 0 ? z : alpha * z;
    case 'tanh':
      return Math.tanh(z);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z));
    default:
      return z;
  }
}

/** The layers' output for rows × inputs `x`, in float64 (parameters read from the flat vector). */
export function referenceForward(
  layers: readonly LayerSpec[],
  params: ArrayLike<number>,
  x: ArrayLike<number>,
  rows: number,
): Float64Array {
  let h = Float64Array.from(x);
  for (const layer of layers) {
    const out = new Float64Array(rows * layer.outputs);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < layer.outputs; o++) {
        let z = params[layer.biasOffset + o]!;
        for (let i = 0; i < layer.inputs; i++)
          z += h[r * layer.inputs + i]! * params[layer.weightOffset + i * layer.outputs + o]!;
        out[r * layer.outputs + o] = activate(layer.activation, layer.alpha, z);
      }
    }
    h = out;
  }
  return h;
}

/** A plain float32 forward pass of a DenseNetwork: every product and sum rounded to float32. */
export function float32Forward(network: DenseNetwork, x: Float32Array, rows: number): Float32Array {
  let h = x;
  for (const layer of network.layers) {
    const out = new Float32Array(rows * layer.outputs);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < layer.outputs; o++) {
        let z = layer.bias[o]!;
        for (let i = 0; i < layer.inputs; i++)
          z = Math.fround(z + Math.fround(h[r * layer.inputs + i]! * layer.weight[i * layer.outputs + o]!));
        out[r * layer.outputs + o] = Math.fround(activate(layer.activation, layer.alpha, z));
      }
    }
    h = out;
  }
  return h;
}

let lhcb: Promise<{ data: Float32Array; features: number }> | undefined;

/** The first `rows` rows of the real LHCb table (4322 × 26), normalized as training would. */
export async function normalizedLhcb(rows = 4322): Promise<Float32Array> {
  lhcb ??= (async () => {
    const matrix = datasetToMatrix(await readDataFile(`${sharedDataPath('lhcb-b2hhh.h5')}:/data`));
    return {
      data: normalize(fitNormalization(matrix), matrix.values, matrix.features),
      features: matrix.features,
    };
  })();
  const { data, features } = await lhcb;
  return data.subarray(0, rows * features);
}
