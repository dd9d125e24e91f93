// The interface every way of running a file's decoder network implements. The built-in canonical engine
// (canonical.ts) has no dependencies and is bit-exact; onnxruntime.ts runs the same ONNX bytes through a
// user-supplied onnxruntime module, faster but only within float tolerance of the canonical result.

/**
 * Runs the decoder network carried in a `.baler` file's `model` section (ONNX bytes, SPEC.md §11.2).
 *
 * `run(model, input, batch)` takes `batch` rows of latents, row-major [batch][latentWidth] float32, and
 * resolves to the decoded rows, row-major [batch][outputWidth]. Engines cache what they build per `model`
 * array (the parsed network, an inference session), so pass the same Uint8Array for repeated calls.
 */
export interface DecoderEngine {
  /** Short identifier for logs and benchmarks, e.g. "canonical" or "onnxruntime-node". */
  readonly name: string;
  /**
   * True when the results are bit-identical to `runDenseNetwork` (SPEC.md §11.1). Residuals of a
   * lossy storage method are computed against that result, so only a canonical engine reproduces the
   * values the writer verified; any other engine gives results within float tolerance of them.
   */
  readonly canonical: boolean;
  run(model: Uint8Array, input: Float32Array, batch: number): Promise<Float32Array>;
  /** Frees what the engine cached for `model` (e.g. a native inference session). */
  release?(model: Uint8Array): Promise<void>;
}
