// The dense autoencoder, Baler's own model: an encoder of dense layers down to k latent values per sample
// and a decoder back up (by default the encoder's sizes mirrored), LeakyReLU (α = 0.01) between layers and
// linear latent and output layers, as in the original Python Baler's `AE`. Its parameters live in one flat
// Float32Array on the host, layer by layer (weight row-major [inputs][outputs], then bias): the layout
// `@baler/format`'s DenseNetwork uses, so that the frozen decoder is a slice of it.

import type { Activation } from '@baler/format';
import { Prng } from '../train/prng.ts';

export interface DenseAeConfig {
  /** `dense-ae`: a sample is a table row or a field frame; `block-ae`: a normalized block of a field. */
  family: 'dense-ae' | 'block-ae';
  /** Values per sample (table columns, a field's values per frame, or per block). */
  inputs: number;
  /** `block-ae`: the block shape, one extent per axis of the field; its product is `inputs`. */
  block?: number[];
  /** Hidden layer sizes from the input down, e.g. [200, 100, 50]. */
  encoder: number[];
  /** Latent values per sample (k). */
  latent: number;
  /** Hidden layer sizes from the latent up; the encoder's reversed when omitted. */
  decoder: number[];
  /** Hidden layers' activation. */
  activation: Activation;
  /** Negative slope of leaky-relu. */
  alpha: number;
  /** The latent layer's activation (linear in Baler). */
  latentActivation: Activation;
  /** The output layer's activation (linear: normalized data is unbounded). */
  outputActivation: Activation;
}

/** One dense layer's place in the flat parameter vector. */
export interface LayerSpec {
  inputs: number;
  outputs: number;
  activation: Activation;
  alpha: number;
  /** Offset of the [inputs][outputs] row-major weight in the parameters. */
  weightOffset: number;
  /** Offset of the bias (`outputs` values), right after the weight. */
  biasOffset: number;
}

export interface DenseModel {
  /** The registry name the model was created from (e.g. `dense-ae`). */
  name: string;
  config: DenseAeConfig;
  /** Encoder layers first, then decoder layers. */
  layers: LayerSpec[];
  /** How many of `layers` form the encoder; the rest form the decoder. */
  encoderLayers: number;
  /** All weights and biases, layer by layer. */
  params: Float32Array;
}

export const ACTIVATIONS: readonly Activation[] = ['linear', 'leaky-relu', 'tanh', 'sigmoid'];

/** Checks a config (throwing a RangeError that names the bad field) and returns it with defaults filled. */
export function validateDenseAeConfig(config: DenseAeConfig): DenseAeConfig {
  const whole = (value: unknown, what: string) => {
    if (!(Number.isSafeInteger(value) && (value as number) > 0))
      throw new RangeError(`${what} must be a whole number > 0, got ${JSON.stringify(value)}`);
  };
  whole(config.inputs, 'inputs');
  whole(config.latent, 'latent');
  if (config.family !== 'dense-ae' && config.family !== 'block-ae')
    throw new RangeError(`family must be dense-ae or block-ae, got ${JSON.stringify(config.family)}`);
  if (config.block !== undefined) {
    if (!Array.isArray(config.block) || config.block.length === 0)
      throw new RangeError('block must list one extent per axis of the field');
    for (const [i, size] of config.block.entries()) whole(size, `block[${i}]`);
    const values = config.block.reduce((a, b) => a * b, 1);
    if (values !== config.inputs)
      throw new RangeError(`block [${config.block}] holds ${values} values but inputs is ${config.inputs}`);
  }
  if (!Array.isArray(config.encoder)) throw new RangeError('encoder must be a list of layer sizes');
  if (!Array.isArray(config.decoder)) throw new RangeError('decoder must be a list of layer sizes');
  for (const [i, size] of config.encoder.entries()) whole(size, `encoder[${i}]`);
  for (const [i, size] of config.decoder.entries()) whole(size, `decoder[${i}]`);
  for (const key of ['activation', 'latentActivation', 'outputActivation'] as const) {
    if (!ACTIVATIONS.includes(config[key]))
      throw new RangeError(
        `${key} must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(config[key])}`,
      );
  }
  if (!(Number.isFinite(config.alpha) && config.alpha >= 0 && config.alpha < 1))
    throw new RangeError(`alpha must be in [0, 1), got ${config.alpha}`);
  return config;
}

/** The layer layout of a config, with each layer's offsets into the flat parameters. */
export function denseAeLayers(config: DenseAeConfig): {
  layers: LayerSpec[];
  encoderLayers: number;
  size: number;
} {
  const sizes = [config.inputs, ...config.encoder, config.latent, ...config.decoder, config.inputs];
  const encoderLayers = config.encoder.length + 1;
  const activationOf = (l: number) =>
    l + 2 === sizes.length
      ? config.outputActivation
      : l + 1 === encoderLayers
        ? config.latentActivation
        : config.activation;
  return { ...stackLayers(sizes, activationOf, config.alpha), encoderLayers };
}

/**
 * Dense layers through `sizes` (inputs first, outputs last), layer l with `activationOf(l)`, laid out
 * one after another in a flat parameter vector: per layer its [inputs][outputs] weight, then its bias.
 */
export function stackLayers(
  sizes: readonly number[],
  activationOf: (layer: number) => Activation,
  alpha: number,
): { layers: LayerSpec[]; size: number } {
  const layers: LayerSpec[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l]!;
    const outputs = sizes[l + 1]!;
    layers.push({
      inputs,
      outputs,
      activation: activationOf(l),
      alpha,
      weightOffset: offset,
      biasOffset: offset + inputs * outputs,
    });
    offset += inputs * outputs + outputs;
  }
  return { layers, size: offset };
}

/**
 * PyTorch's default initialisation of linear layers, in place: weights and biases uniform in ±1/√inputs,
 * drawn from `prng` layer after layer, so that the same seed gives the same parameters everywhere.
 */
export function initialiseLayers(params: Float32Array, layers: readonly LayerSpec[], prng: Prng): void {
  for (const layer of layers) {
    const bound = 1 / Math.sqrt(layer.inputs);
    for (let i = layer.weightOffset; i < layer.biasOffset + layer.outputs; i++)
      params[i] = prng.uniform(-bound, bound);
  }
}

/** A dense autoencoder with freshly initialised parameters (initialiseLayers), seeded with `seed`. */
export function createDenseAe(name: string, config: DenseAeConfig, seed: number): DenseModel {
  validateDenseAeConfig(config);
  const { layers, encoderLayers, size } = denseAeLayers(config);
  const params = new Float32Array(size);
  initialiseLayers(params, layers, new Prng(seed));
  return { name, config, layers, encoderLayers, params };
}

/** Multiply–adds per sample for one forward pass: the figure throughput is measured against. */
export function denseAeMacs(model: Pick<DenseModel, 'layers'>): number {
  return model.layers.reduce((sum, layer) => sum + layer.inputs * layer.outputs, 0);
}

/** A model of `config` holding the given parameters (from a model directory or checkpoint). */
export function denseAeFromParams(name: string, config: DenseAeConfig, params: Float32Array): DenseModel {
  validateDenseAeConfig(config);
  const { layers, encoderLayers, size } = denseAeLayers(config);
  if (params.length !== size)
    throw new RangeError(`the config needs ${size} parameters but ${params.length} were given`);
  return { name, config, layers, encoderLayers, params };
}
