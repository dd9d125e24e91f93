/**
 * The entropy layer of .baler: an adaptive binary range coder and an integer model on top of it.
 * Normative description: SPEC.md §10.
 *
 * @example
 * ```ts
 * const model = new SignedIntegerModel(1);
 * const encoder = new RangeEncoder();
 * for (const residual of [0, 0, -3, 1, 0]) model.encode(encoder, residual, 0);
 * const bytes = encoder.finish();
 *
 * const decoder = new RangeDecoder(bytes);
 * const readModel = new SignedIntegerModel(1);
 * const residuals = Array.from({ length: 5 }, () => readModel.decode(decoder, 0)); // [0, 0, -3, 1, 0]
 * if (decoder.overrun()) throw new Error('truncated entropy-coded stream');
 * ```
 */
export { SignedIntegerModel } from './integer-model.ts';
export { createBitStates, RangeDecoder, RangeEncoder } from './range-coder.ts';
