// A learned correction of the least-squares stencil (SPEC.md §7.2.1 `stencil-network`): a small network
// maps a value's decoded neighbours to what the linear stencil gets wrong. Fluid fields are advected by
// their own velocity, so the best linear weights vary with the local state; a few hundred weights capture
// that and cost a kilobyte or two, which a field of a few hundred thousand values repays many times over.
// It runs once per value in the decoder (canonical kernels only), so it trades decoding speed for bytes.

import type { Activation, DenseNetwork, Field, PredictorSpec, StreamPlan } from '@baler/format';
import { encodeStreamForTrial, parseDenseOnnx } from '@baler/format';
import { denseNetworkToOnnx } from '../onnx/to-onnx.ts';
import type { RegressionConfig } from '../train/regression.ts';
import { createRegressor, regressorNetwork, trainRegressor } from '../train/regression.ts';
import type { LearnedCandidate } from './learned-blocks.ts';
import { stencilInterior } from './stencil-fit.ts';

type StencilPredictor = Extract<PredictorSpec, { name: 'stencil' | 'stencil-fallbacks' }>;
type StencilNetworkPredictor = Extract<PredictorSpec, { name: 'stencil-network' }>;

export interface StencilNetworkOptions extends RegressionConfig {
  /** Hidden layer widths. */
  hidden: number[];
  /** Activation of the hidden layers. */
  activation: Activation;
  /** At most this many interior points train the network (evenly spaced), to bound the time spent. */
  maxSamples: number;
}

export const DEFAULT_STENCIL_NETWORK: StencilNetworkOptions = {
  hidden: [16, 16],
  activation: 'tanh',
  epochs: 40,
  batchSize: 256,
  learningRate: 3e-3,
  seed: 0,
  maxSamples: 1 << 17,
};

export interface StencilNetwork {
  predictor: StencilNetworkPredictor;
  /** The network as the file stores it (int8 weights, per-output scales), and as the decoder parses it back. */
  onnx: Uint8Array;
  network: DenseNetwork;
}

/**
 * Trains a correction of `stencil` on a field block of `shape`: `target` holds the true working values,
 * `source` the reconstruction the decoder will see (the neighbours the network reads). Undefined when the
 * block has too few interior points to learn from.
 */
export async function trainStencilNetwork(
  target: Float64Array,
  source: Float64Array,
  shape: readonly number[],
  stencil: StencilPredictor,
  options: Partial<StencilNetworkOptions> = {},
  onEpoch?: (epoch: number, loss: number) => void,
): Promise<StencilNetwork | undefined> {
  const config = { ...DEFAULT_STENCIL_NETWORK, ...options };
  const k = stencil.offsets.length;
  const { flat, points } = stencilInterior(shape, stencil.offsets);
  const usable = points.filter(
    (i) => Number.isFinite(target[i]!) && flat.every((o) => Number.isFinite(source[i + o]!)),
  );
  if (usable.length < 64 * k) return undefined;
  const stride = Math.max(1, Math.ceil(usable.length / config.maxSamples));
  const samples = usable.filter((_, n) => n % stride === 0);
  // Inputs centred and scaled by the reconstruction's moments, outputs by the stencil's residual spread.
  let sum = 0;
  let squares = 0;
  for (const i of samples) {
    sum += source[i]!;
    squares += source[i]! * source[i]!;
  }
  const mean = sum / samples.length;
  const inputOffset = significant(mean);
  const inputScale = significant(1 / Math.sqrt(Math.max(squares / samples.length - mean * mean, 1e-300)));
  const residuals = new Float64Array(samples.length);
  let residualSquares = 0;
  samples.forEach((i, n) => {
    let linear = 0;
    for (let a = 0; a < k; a++) linear += stencil.weights[a]! * source[i + flat[a]!]!;
    residuals[n] = target[i]! - linear;
    residualSquares += residuals[n]! ** 2;
  });
  const outputScale = significant(Math.sqrt(residualSquares / samples.length) || 1);
  const inputs = new Float32Array(samples.length * k);
  const targets = new Float32Array(samples.length);
  samples.forEach((i, n) => {
    for (let a = 0; a < k; a++) inputs[n * k + a] = (source[i + flat[a]!]! - inputOffset) * inputScale;
    targets[n] = residuals[n]! / outputScale;
  });
  const regressor = createRegressor([k, ...config.hidden, 1], config.activation, config.seed);
  onEpoch?.(0, Number.NaN); // training starts
  await trainRegressor(regressor, inputs, targets, config, onEpoch);
  // int8 weights: on CFD at abs=1e-4 they code the residuals as well as float16 (25,994 against 25,976
  // bytes) and the network itself in 1,477 bytes instead of 1,916.
  const onnx = denseNetworkToOnnx(regressorNetwork(regressor), {
    inputName: 'neighbours',
    outputName: 'correction',
    weightPrecision: 'int8',
  });
  return {
    predictor: { ...stencil, name: 'stencil-network', inputOffset, inputScale, outputScale },
    onnx,
    network: parseDenseOnnx(onnx),
  };
}

/**
 * The stencil-network candidate for a field whose classical plan is `plan`: trained on `training` (a
 * field block from the first chunk), against the reconstruction that plan gives, so that the network
 * learns from neighbours that carry the quantization error the decoder's will. None unless the plan is
 * a linear-domain stencil and the block has enough interior points.
 */
export async function stencilNetworkCandidate(
  training: Field,
  plan: StreamPlan,
  options: Partial<StencilNetworkOptions> = {},
  onEpoch?: (epoch: number, loss: number) => void,
): Promise<LearnedCandidate | undefined> {
  const method = plan.method as { name: string; domain?: string; predictor?: { name?: string } };
  const stencil = method.predictor as StencilPredictor | undefined;
  if (method.name !== 'quantized' || method.domain !== 'linear') return undefined;
  if (stencil?.name !== 'stencil' && stencil?.name !== 'stencil-fallbacks') return undefined;
  const decoded = encodeStreamForTrial(plan, training.data, training.shape, training.dtype).decoded;
  const trained = await trainStencilNetwork(
    Float64Array.from(training.data as ArrayLike<number>, Number),
    Float64Array.from(decoded as ArrayLike<number>, Number),
    training.shape,
    stencil,
    options,
    onEpoch,
  );
  if (!trained) return undefined;
  const widths = [stencil.offsets.length, ...(options.hidden ?? DEFAULT_STENCIL_NETWORK.hidden), 1];
  const activation = options.activation ?? DEFAULT_STENCIL_NETWORK.activation;
  return {
    plans: [withStencilNetwork(plan, trained)],
    stencilNetwork: trained.onnx,
    family: 'stencil-network',
    description: `stencil corrected by a ${widths.join('-')} ${activation} network over the decoded neighbours (int8 weights)`,
  };
}

/** The plan with its predictor replaced by the trained stencil network's. */
export function withStencilNetwork(plan: StreamPlan, trained: StencilNetwork): StreamPlan {
  return { ...plan, method: { ...plan.method, predictor: trained.predictor } as StreamPlan['method'] };
}

/** A scale or offset kept to 7 significant digits: short in the metadata, and exactly what is stored. */
function significant(x: number): number {
  return Number(x.toPrecision(7));
}
