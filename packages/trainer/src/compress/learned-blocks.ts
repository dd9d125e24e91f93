// The learned candidates for fields: small block autoencoders trained on the first chunk. Blocks of one
// shape (any rank, edge blocks padded) are normalized by their own centre and spread, which the file
// stores as codes next to each block's latents (SPEC.md §7.3.1); one dense network of a few hundred
// weights then serves every block. Each candidate competes with the classical predictors in honest bytes.
import type { DecoderPlan, DenseNetwork, Field, StreamPlan } from '@baler/format';
import { parseDenseOnnx } from '@baler/format';
import { DataInputError } from '../io/errors.ts';
import type { BlockSamples, BlockSteps } from '../models/block-ae.ts';
import {
  blockCountOf,
  blockMoments,
  blockSamples,
  defaultBlockShapes,
  fitLinearLatents,
  principalBlockModel,
  shiftCenters,
  wholeBlocks,
} from '../models/block-ae.ts';
import { extractDecoder } from '../models/decoder.ts';
import type { DenseModel } from '../models/dense-ae.ts';
import type { LoadedModelDir } from '../models/model-dir.ts';
import { createModel } from '../models/registry.ts';
import type { OnnxExportOptions } from '../onnx/to-onnx.ts';
import { denseNetworkToOnnx } from '../onnx/to-onnx.ts';
import { encodeLatents } from '../train/inference.ts';
import { trainModel } from '../train/train.ts';
import { latentStepFor } from './learned.ts';

export interface BlockLearnOptions {
  /** Block shapes to try (each of the field's rank); by default {@link defaultBlockShapes}. */
  blocks?: number[][];
  /** Latent widths to try. */
  latents: number[];
  /** Hidden layer sizes of the encoder (the decoder mirrors them); [] is a linear autoencoder. */
  hidden: number[];
  epochs: number;
  seed: number;
  /** Latent codes per unit of the latents' RMS, each tried. */
  latentResolutions: number[];
  /** Spread codes per unit of the median block spread. */
  spreadResolution: number;
  weightPrecision: NonNullable<OnnxExportOptions['weightPrecision']>;
  /** Blocks trained on at most (an even stride through the training rows). */
  maxSamples: number;
  /** No further candidate is trained once this many seconds have gone into training. */
  budgetSeconds: number;
}

export const DEFAULT_BLOCK_LEARN: BlockLearnOptions = {
  latents: [2, 4],
  hidden: [],
  epochs: 40,
  seed: 1,
  latentResolutions: [16, 64, 256],
  spreadResolution: 64,
  weightPrecision: 'float16',
  maxSamples: 4096,
  budgetSeconds: 4,
};

/** A learned candidate: plans, the decoder that writes its network and latents, and what it is. */
export interface LearnedCandidate {
  plans: StreamPlan[];
  /** The decoder network and latents of autoencoder candidates. */
  decoder?: DecoderPlan;
  /** The network of a `stencil-network` candidate (ONNX bytes), which has no latents. */
  stencilNetwork?: Uint8Array;
  /** The model family (registry name), recorded in the metadata's `model` member. */
  family: string;
  description: string;
}

/**
 * Candidates per block shape and latent width, trained on `training` (the leading rows of the first
 * chunk; the caller ranks them on the rest), until the training budget is spent. None when the field is
 * not quantized in the linear domain or too small to hold a few dozen blocks.
 */
export async function learnedBlockCandidates(
  training: Field,
  basePlans: readonly StreamPlan[],
  options: BlockLearnOptions = DEFAULT_BLOCK_LEARN,
): Promise<LearnedCandidate[]> {
  const plan = linearQuantized(basePlans);
  if (!plan) return [];
  const candidates: LearnedCandidate[] = [];
  const started = performance.now();
  for (const block of options.blocks ?? defaultBlockShapes(training.shape)) {
    if (block.length !== training.shape.length || blockCountOf(training.shape, block) < 32) continue;
    const steps = blockSteps(training, block, plan.step, options.spreadResolution);
    const width = block.reduce((a, b) => a * b, 1);
    const samples = everyNth(
      wholeBlocks(blockSamples(training.data, training.shape, block, steps), width),
      width,
      options.maxSamples,
    );
    for (const latent of options.latents) {
      if (latent >= width) continue;
      if ((performance.now() - started) / 1000 > options.budgetSeconds) return candidates;
      // A linear autoencoder is principal components, computed exactly; hidden layers need training.
      const model =
        options.hidden.length === 0
          ? principalBlockModel('block-ae', samples, width, latent)
          : await trainBlockModel(samples, width, latent, options);
      candidates.push(...(await candidatesOf(model, block, steps, samples, plan.plan, options)));
    }
  }
  return candidates;
}

/**
 * The candidates of a block autoencoder from a model directory (compress --model DIR with a block-ae
 * model): its decoder on the first chunk's blocks, at each latent resolution. A DataInputError when the
 * field's rank differs from the model's blocks.
 */
export async function modelDirBlockCandidates(
  first: Field,
  basePlans: readonly StreamPlan[],
  loaded: LoadedModelDir,
  source: string,
  options: BlockLearnOptions = DEFAULT_BLOCK_LEARN,
): Promise<LearnedCandidate[]> {
  const block = loaded.model.config.block!;
  if (block.length !== first.shape.length) {
    throw new DataInputError({
      path: source,
      problem: `has rank ${first.shape.length}, but the model predicts blocks of [${block.join(' × ')}] (rank ${block.length})`,
      fix: 'Pass a field of the rank the model was trained on, or train a block-ae model on this data.',
    });
  }
  const plan = linearQuantized(basePlans);
  if (!plan) return [];
  const steps = blockSteps(first, block, plan.step, options.spreadResolution);
  const width = block.reduce((a, b) => a * b, 1);
  const samples = wholeBlocks(blockSamples(first.data, first.shape, block, steps), width);
  const candidates = await candidatesOf(loaded.model, block, steps, samples, plan.plan, options);
  return candidates.map((c) => ({
    ...c,
    family: loaded.config.name,
    description: `${loaded.config.name} from --model ${c.description.replace(/^block-ae /, '')}`,
  }));
}

/** The field's plan when it is quantized in the linear domain (the block models' working values). */
function linearQuantized(plans: readonly StreamPlan[]): { plan: StreamPlan; step: number } | undefined {
  const plan = plans[0];
  const method = plan?.method as { name: string; domain?: string; step?: number } | undefined;
  if (!plan || method?.name !== 'quantized' || method.domain !== 'linear' || !method.step) return undefined;
  return { plan, step: method.step };
}

/** The steps of the per-block centre and spread codes for a field quantized with `step`. */
function blockSteps(field: Field, block: number[], step: number, spreadResolution: number): BlockSteps {
  const { deviation } = blockMoments(field.data, field.shape, block);
  const sorted = Float64Array.from(deviation).sort();
  const typical = sorted[sorted.length >> 1]! || sorted[sorted.length - 1]! || 1;
  return {
    // A block's centre and spread shift all its predictions at once: round them well below the
    // residual step (a few bits per block, against a bias on every value).
    centerStep: step / 8,
    spreadStep: Number(Math.min(typical / spreadResolution, step / 16).toPrecision(3)),
  };
}

async function trainBlockModel(
  samples: Float32Array,
  width: number,
  latent: number,
  options: BlockLearnOptions,
): Promise<DenseModel> {
  const hidden = options.hidden;
  const model = createModel(
    'block-ae',
    { inputs: width, latent, encoder: hidden, decoder: [...hidden].reverse() },
    { seed: options.seed },
  );
  const config = {
    epochs: options.epochs,
    batchSize: 64,
    learningRate: 3e-3,
    seed: options.seed,
    patience: 8,
    checkpointEvery: 0,
  };
  return (await trainModel(model, samples, { config })).model;
}

/** One candidate per latent resolution of a block model: coarser latents cost fewer bits, predict worse. */
async function candidatesOf(
  model: DenseModel,
  block: number[],
  steps: BlockSteps,
  samples: Float32Array,
  plan: StreamPlan,
  options: BlockLearnOptions,
): Promise<LearnedCandidate[]> {
  // The decoder as the file stores it (weights possibly rounded to float16): latents fit that one.
  const onnx = denseNetworkToOnnx(extractDecoder(model), { weightPrecision: options.weightPrecision });
  const stored = parseDenseOnnx(onnx);
  const width = model.config.inputs;
  const latents = await blockLatents(model, stored, { count: samples.length / width, samples });
  return options.latentResolutions.map((resolution) => ({
    plans: [{ ...plan, method: { ...plan.method, predictor: { name: 'block-model', output: 0 } } }],
    decoder: blockDecoderPlan(model, onnx, block, steps, latentStepFor(latents, resolution)),
    family: 'block-ae',
    description: `block-ae decoder on ${block.join('×')} blocks, ${model.config.latent} latents per block`,
  }));
}

/**
 * Each block's latents: fitted in least squares to the decoder when it is linear (edge padding left
 * out), the encoder's otherwise.
 */
async function blockLatents(
  model: DenseModel,
  decoder: DenseNetwork,
  blocks: Pick<BlockSamples, 'count' | 'samples'> & { inside?: Uint8Array },
): Promise<Float32Array> {
  if (decoder.layers.length !== 1) return encodeLatents(model, blocks.samples);
  const [layer] = decoder.layers;
  const inside = blocks.inside ?? new Uint8Array(blocks.samples.length).fill(1);
  return Float32Array.from(fitLinearLatents(layer!.weight, layer!.bias, { ...blocks, inside }).latents);
}

/**
 * A piece's blocks with centres refitted for a linear decoder: the level that, together with the
 * latents, fits the block best (for an edge block the mean of its part rarely is).
 */
function refittedBlocks(decoder: DenseNetwork, blocks: BlockSamples, steps: BlockSteps): BlockSamples {
  if (decoder.layers.length !== 1) return blocks;
  const [layer] = decoder.layers;
  const { shifts } = fitLinearLatents(layer!.weight, layer!.bias, blocks, { withShift: true });
  shiftCenters(blocks, shifts, steps);
  return blocks;
}

/** At most `limit` of the rows (`width` values each), an even stride through them. */
function everyNth(rows: Float32Array, width: number, limit: number): Float32Array {
  const count = rows.length / width;
  if (count <= limit) return rows;
  const out = new Float32Array(limit * width);
  for (let k = 0; k < limit; k++) {
    const from = Math.floor((k * count) / limit) * width;
    out.set(rows.subarray(from, from + width), k * width);
  }
  return out;
}

/** The DecoderPlan of a trained block autoencoder: its decoder, and each piece's block codes. */
export function blockDecoderPlan(
  model: DenseModel,
  onnx: Uint8Array,
  block: number[],
  steps: BlockSteps,
  latentStep: number,
): DecoderPlan {
  const latent = model.config.latent;
  const stored = parseDenseOnnx(onnx);
  return {
    onnx,
    info: { latent, latentStep, outputs: model.config.inputs, blocks: { shape: block, ...steps } },
    async latents(piece) {
      const field = piece as Field;
      const blocks = refittedBlocks(stored, blockSamples(field.data, field.shape, block, steps), steps);
      const z = await blockLatents(model, stored, blocks);
      const width = latent + 2;
      const codes = new Int32Array(blocks.count * width);
      for (let g = 0; g < blocks.count; g++) {
        for (let j = 0; j < latent; j++) codes[g * width + j] = Math.round(z[g * latent + j]! / latentStep);
        codes[g * width + latent] = blocks.centerCodes[g]!;
        codes[g * width + latent + 1] = blocks.spreadCodes[g]!;
      }
      return codes;
    },
  };
}
