// The frozen decoder network a file can carry (SPEC.md, learned storage methods): a stack of dense layers.
// This type is the contract between the trainer (which produces it), the ONNX exporter and the decoder's
// canonical kernels (which run it).

export type Activation = 'linear' | 'leaky-relu' | 'tanh' | 'sigmoid';

export interface DenseLayer {
  inputs: number;
  outputs: number;
  /** Row-major [inputs][outputs]: weight[i * outputs + o] multiplies input i into output o. */
  weight: Float32Array;
  bias: Float32Array;
  activation: Activation;
  /** Negative slope of leaky-relu (ignored otherwise). */
  alpha: number;
}

export interface DenseNetwork {
  layers: DenseLayer[];
}

/** Checks shapes: each layer's inputs equal the previous outputs, and array lengths match. */
export function validateDenseNetwork(network: DenseNetwork): void {
  network.layers.forEach((layer, k) => {
    if (layer.weight.length !== layer.inputs * layer.outputs || layer.bias.length !== layer.outputs) {
      throw new RangeError(
        `dense layer ${k}: weight/bias lengths do not match ${layer.inputs}×${layer.outputs}`,
      );
    }
    const previous = network.layers[k - 1];
    if (previous && previous.outputs !== layer.inputs) {
      throw new RangeError(
        `dense layer ${k} takes ${layer.inputs} inputs but layer ${k - 1} gives ${previous.outputs}`,
      );
    }
  });
}
