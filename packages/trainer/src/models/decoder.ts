// The frozen decoder: the decoder half of a trained model as `@baler/format`'s DenseNetwork, the
// backend-free type the ONNX exporter and the decoder's canonical kernels consume. Nothing here needs
// TensorFlow.js: the parameters already sit on the host in the DenseNetwork layout.

import { type DenseNetwork, validateDenseNetwork } from '@baler/format';
import type { DenseModel, LayerSpec } from './dense-ae.ts';

/** The model's decoder (latent → reconstruction of normalized values), with copies of its parameters. */
export function extractDecoder(model: DenseModel): DenseNetwork {
  return toNetwork(model, model.layers.slice(model.encoderLayers));
}

/** The model's encoder (normalized values → latent), with copies of its parameters. */
export function extractEncoder(model: DenseModel): DenseNetwork {
  return toNetwork(model, model.layers.slice(0, model.encoderLayers));
}

/** `layers` of a flat parameter vector as a DenseNetwork, with copies of their parameters. */
export function toNetwork(model: Pick<DenseModel, 'params'>, layers: readonly LayerSpec[]): DenseNetwork {
  const network: DenseNetwork = {
    layers: layers.map((layer) => ({
      inputs: layer.inputs,
      outputs: layer.outputs,
      weight: model.params.slice(layer.weightOffset, layer.biasOffset),
      bias: model.params.slice(layer.biasOffset, layer.biasOffset + layer.outputs),
      activation: layer.activation,
      alpha: layer.activation === 'leaky-relu' ? layer.alpha : 0,
    })),
  };
  validateDenseNetwork(network);
  return network;
}
