// Block predictions (SPEC.md §7.3.1): a field chunk cut into blocks of one shape (edge blocks cut short),
// each block predicted by the decoder network from its own latents and scaled back by its own centre and
// spread, which the file stores next to the latents. One small network then serves blocks of any field
// shape, and every block keeps its own level and contrast.
import { SignedIntegerModel } from '../entropy/integer-model.ts';
import { RangeDecoder } from '../entropy/range-coder.ts';
import { formatErrors } from '../errors.ts';
import type { PredictorSpec } from '../quantize/predictors.ts';
import { stridesOf } from '../quantize/predictors.ts';

/** The `blocks` member of the metadata's `decoder`: the block shape and the steps of the per-block codes. */
export interface BlockInfo {
  /** Extent of a block on each axis of the field (rank = the field's rank). */
  shape: number[];
  /** A block's centre is its integer code times this step (binary64). */
  centerStep: number;
  /** A block's spread is its integer code times this step (binary64). */
  spreadStep: number;
}

/** Integers per block in a `latents` payload: the latent codes, then the centre and spread codes. */
export function codesPerBlock(latent: number): number {
  return latent + 2;
}

/** Blocks along each axis of a chunk of extent `extent`: ⌈extent_d / block_d⌉. */
export function blockGrid(extent: readonly number[], block: readonly number[]): number[] {
  return extent.map((e, d) => Math.ceil(e / block[d]!));
}

export function blockCount(extent: readonly number[], block: readonly number[]): number {
  return blockGrid(extent, block).reduce((a, b) => a * b, 1);
}

/** Decodes `count` integers of a latents payload coded with `contexts` integer contexts (i mod contexts). */
export function decodeLatentCodes(
  payload: Uint8Array,
  count: number,
  contexts: number,
  label: string,
): Int32Array {
  const decoder = new RangeDecoder(payload);
  const model = new SignedIntegerModel(contexts);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = model.decode(decoder, i % contexts);
  if (decoder.overrun())
    throw formatErrors.malformedSection(label, 'the latent stream ends before its last value');
  return out;
}

/**
 * Splits a chunk's block codes (`blocks × (latent + 2)`) into the network input `[blocks][latent]`
 * (each code × latentStep, rounded to float32) and each block's centre and spread (binary64).
 */
export function splitBlockCodes(
  codes: Int32Array,
  latent: number,
  latentStep: number,
  info: BlockInfo,
): { input: Float32Array; center: Float64Array; spread: Float64Array } {
  const width = codesPerBlock(latent);
  const blocks = codes.length / width;
  const input = new Float32Array(blocks * latent);
  const center = new Float64Array(blocks);
  const spread = new Float64Array(blocks);
  for (let g = 0; g < blocks; g++) {
    for (let j = 0; j < latent; j++) input[g * latent + j] = codes[g * width + j]! * latentStep;
    center[g] = codes[g * width + latent]! * info.centerStep;
    spread[g] = codes[g * width + latent + 1]! * info.spreadStep;
  }
  return { input, center, spread };
}

/**
 * The prediction of every value of a chunk of extent `extent` (C order) under a `block-model` predictor:
 * `center[g] + spread[g] × out[g][output + c]` in binary64, where g is the value's block (C order over
 * the chunk's block grid) and c its position within the full block shape (C order).
 */
export function predictionsFromBlocks(
  spec: Extract<PredictorSpec, { name: 'block-model' }>,
  out: Float32Array,
  outputs: number,
  center: Float64Array,
  spread: Float64Array,
  extent: readonly number[],
  block: readonly number[],
): Float64Array {
  const blockValues = block.reduce((a, b) => a * b, 1);
  if (spec.output + blockValues > outputs) {
    throw formatErrors.malformedMetadata(
      '$.method.predictor.output',
      `needs outputs ${spec.output}..${spec.output + blockValues - 1} of a network with ${outputs}`,
    );
  }
  const rank = extent.length;
  const grid = blockGrid(extent, block);
  const n = extent.reduce((a, b) => a * b, 1);
  const predictions = new Float64Array(n);
  if (n === 0) return predictions;
  const gridStride = stridesOf(grid);
  const blockStride = stridesOf(block);
  const index = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let g = 0;
    let c = 0;
    for (let d = 0; d < rank; d++) {
      const b = block[d]!;
      const v = index[d]!;
      const q = Math.floor(v / b);
      g += q * gridStride[d]!;
      c += (v - q * b) * blockStride[d]!;
    }
    predictions[i] = center[g]! + spread[g]! * out[g * outputs + spec.output + c]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d]! < extent[d]!) break;
      index[d] = 0;
    }
  }
  return predictions;
}
