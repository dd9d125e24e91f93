// Learned files that any binary32 engine may decode (SPEC.md §11.4). The writer quantizes each model
// prediction with its slack — how far onnxruntime or another engine may compute it from the canonical
// kernels — and that only works if the quantization step leaves room for it. Here the step of every
// model-predicted stream shrinks by the slack measured on the first chunk (and a quarter more, for the chunks
// still to come); when that would cost more than a quarter of the error budget (large, deep decoders:
// the worst-case bound grows with width and depth), the file stays canonical-only instead.
import type { Dataset, DecoderPlan, StreamPlan } from '@baler/format';
import { parseDenseOnnx, runWithEngineBound } from '@baler/format';

/** The largest share of a stream's half-step the engine slack may take. */
const LARGEST_SHARE = 0.25;
/** Slack of later chunks, relative to the first chunk's. */
const HEADROOM = 1.25;

export interface LearnedCandidate {
  plans: StreamPlan[];
  decoder: DecoderPlan;
}

/**
 * The candidate with `decoder.anyOrder` and steps that leave room for the engine slack, or the candidate
 * unchanged when the room would cost too much (or the network predicts blocks, whose steps vary per block).
 */
export async function engineSafeCandidate(
  candidate: LearnedCandidate,
  first: Dataset,
): Promise<LearnedCandidate> {
  const { plans, decoder } = candidate;
  if (decoder.info.blocks) return candidate;
  const rows = first.kind === 'table' ? first.rowCount : first.shape[0]!;
  if (rows === 0) return candidate;
  const codes = await decoder.latents(first, 0);
  const input = Float32Array.from(codes, (c) => c * decoder.info.latentStep);
  const { bound } = runWithEngineBound(parseDenseOnnx(decoder.onnx), input, rows);
  const outputs = decoder.info.outputs;
  const largest = new Float64Array(outputs);
  for (let k = 0; k < bound.length; k++) largest[k % outputs] = Math.max(largest[k % outputs]!, bound[k]!);
  const width = first.kind === 'table' ? 1 : first.data.length / rows;
  const safe: StreamPlan[] = [];
  for (const plan of plans) {
    const method = plan.method as {
      name: string;
      step?: number;
      predictor?: { name: string; output: number; scale: number };
    };
    if (method.name !== 'quantized' || method.predictor?.name !== 'model') {
      safe.push(plan);
      continue;
    }
    let worst = 0;
    for (let o = method.predictor.output; o < method.predictor.output + width; o++)
      worst = Math.max(worst, largest[o]!);
    const margin = HEADROOM * Math.abs(method.predictor.scale) * worst;
    const halfStep = method.step! / 2;
    if (!(margin <= LARGEST_SHARE * halfStep)) return candidate;
    safe.push({
      ...plan,
      method: { ...plan.method, step: method.step! * (1 - margin / halfStep) } as StreamPlan['method'],
    });
  }
  return { plans: safe, decoder: { ...decoder, info: { ...decoder.info, anyOrder: true } } };
}
