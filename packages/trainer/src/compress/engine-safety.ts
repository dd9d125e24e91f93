// Learned files that any binary32 engine may decode (SPEC.md §11.4). The writer quantizes each model
// prediction with its slack — how far onnxruntime or another engine may compute it from the canonical
// kernels — and that only works if the quantization step leaves room for it. Here the step of every
// model-predicted stream shrinks by the slack measured on the first chunk (and a quarter more, for the chunks
// still to come); when that would cost more than a quarter of the error budget (large, deep decoders:
// the worst-case bound grows with width and depth), the file stays canonical-only instead.
import type { Dataset, DecoderPlan, StreamPlan } from '@baler/format';
import { parseDenseOnnx, runWithEngineBound, splitBlockCodes } from '@baler/format';

/** The largest share of a stream's half-step the engine slack may take. */
const LARGEST_SHARE = 0.25;
/** Slack of later chunks, relative to the first chunk's. */
const HEADROOM = 1.25;

/**
 * The candidate with `decoder.anyOrder` and steps that leave room for the engine slack, or the candidate
 * unchanged when the room would cost too much (or it already has room).
 */
export async function engineSafeCandidate<C extends { plans: StreamPlan[]; decoder: DecoderPlan }>(
  candidate: C,
  first: Dataset,
): Promise<C> {
  const { plans, decoder } = candidate;
  if (decoder.info.anyOrder) return candidate;
  const rows = first.kind === 'table' ? first.rowCount : first.shape[0]!;
  if (rows === 0) return candidate;
  const slackOf = await firstChunkSlack(decoder, first, rows);
  const safe: StreamPlan[] = [];
  for (const plan of plans) {
    const method = plan.method as { name: string; step?: number; predictor?: ModelPredictor };
    const quantized = method.name === 'quantized' || method.name === 'quantized-rans';
    const slack = quantized && method.predictor ? slackOf(method.predictor) : undefined;
    if (slack === undefined) {
      safe.push(plan);
      continue;
    }
    const margin = HEADROOM * slack;
    const halfStep = method.step! / 2;
    if (!(margin <= LARGEST_SHARE * halfStep)) return candidate;
    safe.push({
      ...plan,
      method: { ...plan.method, step: method.step! * (1 - margin / halfStep) } as StreamPlan['method'],
    });
  }
  return { ...candidate, plans: safe, decoder: { ...decoder, info: { ...decoder.info, anyOrder: true } } };
}

type ModelPredictor = { name: string; output: number; scale?: number };

/**
 * For a predictor, the largest slack (SPEC.md §11.4) of its predictions on the first chunk, in working
 * units: |scale| (rows) or |spread| (blocks) times the engine bound of the outputs it reads; undefined
 * for predictors that do not use the network.
 */
async function firstChunkSlack(
  decoder: DecoderPlan,
  first: Dataset,
  rows: number,
): Promise<(predictor: ModelPredictor) => number | undefined> {
  const { info } = decoder;
  const network = parseDenseOnnx(decoder.onnx);
  const codes = await decoder.latents(first, 0);
  const outputs = info.outputs;
  /** The largest bound over outputs [from, to) of network row r. */
  const worstOf = (bound: Float32Array, r: number, from: number, to: number) => {
    let worst = 0;
    for (let o = from; o < to; o++) worst = Math.max(worst, bound[r * outputs + o]!);
    return worst;
  };
  if (info.blocks) {
    const { input, spread } = splitBlockCodes(codes, info.latent, info.latentStep, info.blocks);
    const blocks = spread.length;
    const { bound } = runWithEngineBound(network, input, blocks);
    const size = info.blocks.shape.reduce((a, b) => a * b, 1);
    return (p) => {
      if (p.name !== 'block-model') return undefined;
      let worst = 0;
      for (let g = 0; g < blocks; g++)
        worst = Math.max(worst, Math.abs(spread[g]!) * worstOf(bound, g, p.output, p.output + size));
      return worst;
    };
  }
  const input = Float32Array.from(codes, (c) => c * info.latentStep);
  const { bound } = runWithEngineBound(network, input, rows);
  const width = first.kind === 'table' ? 1 : first.data.length / rows;
  return (p) => {
    if (p.name !== 'model') return undefined;
    let worst = 0;
    for (let r = 0; r < rows; r++) worst = Math.max(worst, worstOf(bound, r, p.output, p.output + width));
    return Math.abs(p.scale ?? 0) * worst;
  };
}
