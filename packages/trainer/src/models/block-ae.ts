// Blocks of a field as the samples of a block autoencoder (SPEC.md §7.3.1): a chunk is cut into blocks
// of one shape from its origin, edge blocks padded by repeating the nearest value inside the chunk, and
// each block normalized by its own centre and spread — quantized first, to the codes the file stores, so
// that the network sees exactly the normalization the decoder will undo.
import type { NumericArray } from '@baler/format';
import type { DenseAeConfig, DenseModel, LayerSpec } from './dense-ae.ts';
import { denseAeLayers } from './dense-ae.ts';

/** Per-block normalization codes: centre = code × centerStep, spread = code × spreadStep. */
export interface BlockSteps {
  centerStep: number;
  spreadStep: number;
}

export interface BlockSamples {
  /** Blocks in C order over the chunk's block grid. */
  count: number;
  /** count × Π block normalized values, row-major: (x − centre) / spread, 0 where spread is 0. */
  samples: Float32Array;
  centerCodes: Int32Array;
  spreadCodes: Int32Array;
  /** count × Π block flags: 1 where the position lies inside the chunk, 0 where it pads an edge block. */
  inside: Uint8Array;
}

/**
 * The mean and standard deviation of each block's finite values (those inside the chunk; a block with
 * none has mean 0 and deviation 0), blocks in C order over the grid of ⌈extent / block⌉.
 */
export function blockMoments(
  values: NumericArray | Float64Array,
  extent: readonly number[],
  block: readonly number[],
): { mean: Float64Array; deviation: Float64Array } {
  const count = blockCountOf(extent, block);
  const mean = new Float64Array(count);
  const deviation = new Float64Array(count);
  const counts = new Float64Array(count);
  forEachBlockValue(extent, block, (g, _c, source, inside) => {
    const v = Number(values[source]);
    if (!inside || !Number.isFinite(v)) return;
    mean[g]! += v;
    deviation[g]! += v * v;
    counts[g]!++;
  });
  for (let g = 0; g < count; g++) {
    const n = counts[g]!;
    if (n === 0) continue;
    const m = mean[g]! / n;
    mean[g] = m;
    deviation[g] = Math.sqrt(Math.max(0, deviation[g]! / n - m * m));
  }
  return { mean, deviation };
}

/** The blocks of a chunk as normalized samples with their quantized centre and spread codes. */
export function blockSamples(
  values: NumericArray | Float64Array,
  extent: readonly number[],
  block: readonly number[],
  steps: BlockSteps,
): BlockSamples {
  const { mean, deviation } = blockMoments(values, extent, block);
  const count = mean.length;
  const centerCodes = Int32Array.from(mean, (m) => clampCode(Math.round(m / steps.centerStep)));
  const spreadCodes = Int32Array.from(deviation, (s) => clampCode(Math.round(s / steps.spreadStep)));
  const width = block.reduce((a, b) => a * b, 1);
  const samples = new Float32Array(count * width);
  const inside = new Uint8Array(count * width);
  forEachBlockValue(extent, block, (g, c, source, within) => {
    const center = centerCodes[g]! * steps.centerStep;
    const spread = spreadCodes[g]! * steps.spreadStep;
    const v = Number(values[source]);
    const y = spread > 0 && Number.isFinite(v) ? (v - center) / spread : 0;
    samples[g * width + c] = y;
    inside[g * width + c] = within ? 1 : 0;
  });
  return { count, samples, centerCodes, spreadCodes, inside };
}

/**
 * The latents that make a linear decoder (one dense layer, latent → Π block) reproduce each block's
 * values inside the chunk best in least squares: the decoder decides the prediction, so fitting its
 * input directly beats the encoder's guess, and positions padding an edge block are simply left out.
 */
export function fitLinearLatents(
  weight: Float32Array,
  bias: Float32Array,
  blocks: Pick<BlockSamples, 'count' | 'samples' | 'inside'>,
  options: { withShift?: boolean } = {},
): { latents: Float64Array; shifts: Float64Array } {
  const latent = weight.length / bias.length;
  const width = bias.length;
  // With a shift, a constant column joins the decoder's: each block's level is fitted with its latents.
  const n = latent + (options.withShift ? 1 : 0);
  const basis = (i: number, c: number) => (i < latent ? weight[i * width + c]! : 1);
  const latents = new Float64Array(blocks.count * latent);
  const shifts = new Float64Array(blocks.count);
  const normal = new Float64Array(n * n);
  const right = new Float64Array(n);
  for (let g = 0; g < blocks.count; g++) {
    normal.fill(0);
    right.fill(0);
    for (let c = 0; c < width; c++) {
      if (!blocks.inside[g * width + c]) continue;
      const target = blocks.samples[g * width + c]! - bias[c]!;
      for (let i = 0; i < n; i++) {
        const wi = basis(i, c);
        right[i]! += wi * target;
        for (let j = 0; j <= i; j++) normal[i * n + j]! += wi * basis(j, c);
      }
    }
    const z = solveSymmetric(normal, right, n);
    latents.set(z.subarray(0, latent), g * latent);
    if (options.withShift) shifts[g] = z[latent]!;
  }
  return { latents, shifts };
}

/**
 * Moves each block's centre by `shifts` (in units of its spread), re-quantized to the centre step, and
 * shifts its normalized samples to match: the level a least-squares fit found better than the mean.
 */
export function shiftCenters(blocks: BlockSamples, shifts: Float64Array, steps: BlockSteps): void {
  const width = blocks.samples.length / Math.max(1, blocks.count);
  for (let g = 0; g < blocks.count; g++) {
    const spread = blocks.spreadCodes[g]! * steps.spreadStep;
    if (!(spread > 0) || shifts[g] === 0) continue;
    const before = blocks.centerCodes[g]! * steps.centerStep;
    const code = clampCode(Math.round((before + shifts[g]! * spread) / steps.centerStep));
    blocks.centerCodes[g] = code;
    const moved = (code * steps.centerStep - before) / spread;
    for (let c = 0; c < width; c++) blocks.samples[g * width + c]! -= moved;
  }
}

/** Solves N z = r for a symmetric positive semi-definite N (lower triangle given), with a tiny ridge. */
function solveSymmetric(normal: Float64Array, right: Float64Array, n: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += normal[i * n + i]!;
  const ridge = 1e-9 * (trace / n) + 1e-300;
  // Cholesky: N + ridge I = L Lᵀ, in place in the lower triangle.
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = normal[i * n + j]! + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(Math.max(sum, 1e-300)) : sum / l[j * n + j]!;
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = right[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * z[k]!;
    z[i] = sum / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * z[k]!;
    z[i] = sum / l[i * n + i]!;
  }
  return z;
}

export function blockCountOf(extent: readonly number[], block: readonly number[]): number {
  return extent.reduce((n, e, d) => n * Math.ceil(e / block[d]!), 1);
}

// Codes are entropy-coded signed integers: keep them well inside the coder's range.
const MAX_CODE = 2 ** 30;
function clampCode(code: number): number {
  return Number.isFinite(code) ? Math.max(-MAX_CODE, Math.min(MAX_CODE, code)) : 0;
}

/**
 * Calls `visit(g, c, source, inside)` for every position c (C order over the full block shape) of every
 * block g (C order over the grid): `source` is the flat C-order index of the chunk value it reads, the
 * nearest one inside the chunk for positions past an edge (`inside` false).
 */
function forEachBlockValue(
  extent: readonly number[],
  block: readonly number[],
  visit: (g: number, c: number, source: number, inside: boolean) => void,
): void {
  const rank = extent.length;
  if (extent.some((e) => e === 0)) return;
  const grid = extent.map((e, d) => Math.ceil(e / block[d]!));
  const strides = new Array<number>(rank);
  let s = 1;
  for (let d = rank - 1; d >= 0; d--) {
    strides[d] = s;
    s *= extent[d]!;
  }
  const blocks = grid.reduce((a, b) => a * b, 1);
  const width = block.reduce((a, b) => a * b, 1);
  const h = new Array<number>(rank).fill(0);
  const p = new Array<number>(rank).fill(0);
  for (let g = 0; g < blocks; g++) {
    p.fill(0);
    for (let c = 0; c < width; c++) {
      let source = 0;
      let inside = true;
      for (let d = 0; d < rank; d++) {
        const i = h[d]! * block[d]! + p[d]!;
        if (i >= extent[d]!) inside = false;
        source += Math.min(i, extent[d]! - 1) * strides[d]!;
      }
      visit(g, c, source, inside);
      for (let d = rank - 1; d >= 0; d--) {
        if (++p[d]! < block[d]!) break;
        p[d] = 0;
      }
    }
    for (let d = rank - 1; d >= 0; d--) {
      if (++h[d]! < grid[d]!) break;
      h[d] = 0;
    }
  }
}

/**
 * The linear block autoencoder that minimizes the reconstruction error exactly: its decoder spans the
 * `latent` leading principal components of the samples (subspace iteration on their covariance), its
 * bias is their mean, and its encoder projects onto the same components. No gradient descent: the same
 * samples give the same model, in a few milliseconds.
 */
export function principalBlockModel(
  name: string,
  samples: Float32Array,
  width: number,
  latent: number,
): DenseModel {
  const count = samples.length / width;
  const mean = new Float64Array(width);
  for (let s = 0; s < count; s++) for (let c = 0; c < width; c++) mean[c]! += samples[s * width + c]!;
  for (let c = 0; c < width; c++) mean[c]! /= Math.max(1, count);
  const covariance = new Float64Array(width * width);
  const centred = new Float64Array(width);
  for (let s = 0; s < count; s++) {
    for (let c = 0; c < width; c++) centred[c] = samples[s * width + c]! - mean[c]!;
    for (let i = 0; i < width; i++) {
      const v = centred[i]!;
      if (v === 0) continue;
      for (let j = 0; j <= i; j++) covariance[i * width + j]! += v * centred[j]!;
    }
  }
  for (let i = 0; i < width; i++)
    for (let j = 0; j < i; j++) covariance[j * width + i] = covariance[i * width + j]!;
  const basis = leadingEigenvectors(covariance, width, latent);
  const config: DenseAeConfig = {
    family: 'block-ae',
    inputs: width,
    encoder: [],
    latent,
    decoder: [],
    activation: 'leaky-relu',
    alpha: 0.01,
    latentActivation: 'linear',
    outputActivation: 'linear',
  };
  const { layers, encoderLayers, size } = denseAeLayers(config);
  const params = new Float32Array(size);
  const [encoder, decoder] = layers as [LayerSpec, LayerSpec];
  for (let j = 0; j < latent; j++) {
    let projectedMean = 0;
    for (let i = 0; i < width; i++) {
      const q = basis[j * width + i]!;
      params[encoder.weightOffset + i * latent + j] = q;
      params[decoder.weightOffset + j * width + i] = q;
      projectedMean += q * mean[i]!;
    }
    params[encoder.biasOffset + j] = -projectedMean;
  }
  for (let i = 0; i < width; i++) params[decoder.biasOffset + i] = mean[i]!;
  return { name, config, layers, encoderLayers, params };
}

/** The `k` leading eigenvectors (rows of the result) of a symmetric n × n matrix, by subspace iteration. */
function leadingEigenvectors(matrix: Float64Array, n: number, k: number): Float64Array {
  const q = new Float64Array(k * n);
  // A fixed, well-spread start: deterministic, and never orthogonal to a leading eigenvector in practice.
  for (let j = 0; j < k; j++)
    for (let i = 0; i < n; i++) q[j * n + i] = Math.sin(1 + 7.3 * (j + 1) * (i + 1));
  const next = new Float64Array(k * n);
  for (let iteration = 0; iteration < 200; iteration++) {
    next.fill(0);
    for (let j = 0; j < k; j++) {
      for (let r = 0; r < n; r++) {
        let sum = 0;
        for (let c = 0; c < n; c++) sum += matrix[r * n + c]! * q[j * n + c]!;
        next[j * n + r] = sum;
      }
    }
    // Gram–Schmidt keeps the vectors orthonormal; the leading directions win, in order.
    for (let j = 0; j < k; j++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += next[j * n + i]! * next[p * n + i]!;
        for (let i = 0; i < n; i++) next[j * n + i]! -= dot * next[p * n + i]!;
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += next[j * n + i]! ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let i = 0; i < n; i++) next[j * n + i]! /= norm;
    }
    q.set(next);
  }
  return q;
}

/**
 * Block shapes worth trying on a field of `shape`: 8 values along each axis after the first (the whole
 * axis when shorter), one frame deep, and 4 frames deep for 3-D and higher fields.
 */
export function defaultBlockShapes(shape: readonly number[]): number[][] {
  if (shape.length === 1) return [[Math.min(shape[0]!, 64)]];
  const rest = shape.slice(1).map((e) => Math.max(1, Math.min(e, 8)));
  const shapes = [[1, ...rest]];
  if (shape.length >= 3 && shape[0]! >= 8) shapes.push([4, ...rest]);
  return shapes;
}

/**
 * The blocks that lie wholly inside the chunk, when there are enough of them to train on: padded edge
 * blocks would teach the network the padding. All blocks otherwise.
 */
export function wholeBlocks(blocks: BlockSamples, width: number): Float32Array {
  const whole: number[] = [];
  for (let g = 0; g < blocks.count; g++) {
    if (blocks.inside.subarray(g * width, (g + 1) * width).every((v) => v === 1)) whole.push(g);
  }
  if (whole.length < 32 || whole.length === blocks.count) return blocks.samples;
  const out = new Float32Array(whole.length * width);
  whole.forEach((g, k) => {
    out.set(blocks.samples.subarray(g * width, (g + 1) * width), k * width);
  });
  return out;
}

/**
 * The normalized blocks of a whole field to train a block autoencoder on (model directories): each
 * block by its own mean and deviation, finely quantized; only whole blocks when there are enough.
 */
export function trainingBlocks(
  values: NumericArray | Float64Array,
  extent: readonly number[],
  block: readonly number[],
): Float32Array {
  const { mean, deviation } = blockMoments(values, extent, block);
  const largest = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  const steps = { centerStep: largest(mean) / 2 ** 28, spreadStep: largest(deviation) / 2 ** 28 };
  const width = block.reduce((a, b) => a * b, 1);
  return wholeBlocks(blockSamples(values, extent, block, steps), width);
}
