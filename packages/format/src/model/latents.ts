// The latents of a learned storage method (SPEC.md §7.3): per chunk, the rows × k quantized codes the
// decoder network turns into predictions. Entropy-coded like residuals, one integer context per latent.
import { SignedIntegerModel } from '../entropy/integer-model.ts';
import { RangeDecoder, RangeEncoder } from '../entropy/range-coder.ts';
import { formatErrors } from '../errors.ts';
import type { BlockInfo } from './blocks.ts';

/** The `decoder` member of the metadata: how latents become the network's input. */
export interface DecoderInfo {
  /** Latents per row (the network's input width). */
  latent: number;
  /** A latent's value is its integer code times this step, rounded to float32. */
  latentStep: number;
  /** The network's output width. */
  outputs: number;
  /** Present when the network predicts blocks of a field rather than rows (SPEC.md §7.3.1). */
  blocks?: BlockInfo;
  /** True when the bounds hold under any binary32 engine within SPEC.md §11.4's bound, not only the canonical one. */
  anyOrder?: boolean;
}

export function encodeLatents(codes: Int32Array, latent: number): Uint8Array {
  const encoder = new RangeEncoder(Math.max(64, codes.length));
  const model = new SignedIntegerModel(latent);
  for (let i = 0; i < codes.length; i++) model.encode(encoder, codes[i]!, i % latent);
  return encoder.finish();
}

/** The network input `[rows][latent]`: each decoded code × latentStep, rounded to float32. */
export function decodeLatents(
  payload: Uint8Array,
  rows: number,
  info: DecoderInfo,
  label: string,
): Float32Array {
  const decoder = new RangeDecoder(payload);
  const model = new SignedIntegerModel(info.latent);
  const out = new Float32Array(rows * info.latent);
  for (let i = 0; i < out.length; i++) out[i] = model.decode(decoder, i % info.latent) * info.latentStep;
  if (decoder.overrun())
    throw formatErrors.malformedSection(label, 'the latent stream ends before its last value');
  return out;
}

/** Dequantizes codes exactly as decodeLatents does, for the writer. */
export function latentValues(codes: Int32Array, info: DecoderInfo): Float32Array {
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i]! * info.latentStep;
  return out;
}
