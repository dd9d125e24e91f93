// An opt-in decoder engine over onnxruntime. The decoder has no dependency on it: the caller passes the
// module it installed, `onnxruntime-node` (native, multi-threaded) or `onnxruntime-web` (WebAssembly, also
// in browsers and workers). Results agree with the canonical kernels only within float tolerance.
import { BalerError } from '@baler/format';
import type { DecoderEngine } from './engine.ts';

/** The part of onnxruntime's API this engine uses; `onnxruntime-node` and `onnxruntime-web` satisfy it. */
export interface OnnxRuntimeModule {
  InferenceSession: { create(model: Uint8Array, options?: object): Promise<OnnxRuntimeSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => unknown;
}

export interface OnnxRuntimeSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  // biome-ignore lint/suspicious/noExplicitAny: onnxruntime's feed and result maps are typed by its own Tensor
  run(feeds: any): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
  release(): Promise<void>;
}

/**
 * Graph optimizations up to 'basic' (constant folding, which widens stored float16/int8 weights to the
 * exact binary32 values of SPEC.md §11.2). The 'extended' level may rescale a MatMul by a folded scalar
 * (MatMulScaleFusion), a rounding outside the engine bound of §11.4 that anyOrder files rely on.
 */
const BASIC_OPTIMIZATIONS = { graphOptimizationLevel: 'basic' } as const;

export interface OnnxRuntimeEngineOptions {
  /** Name reported by the engine. Default "onnxruntime". */
  name?: string;
  /**
   * Passed to `InferenceSession.create`, e.g. `{ executionProviders: ['cpu'], intraOpNumThreads: 2 }`;
   * `graphOptimizationLevel` defaults to 'basic' (see BASIC_OPTIMIZATIONS).
   */
  sessionOptions?: object;
}

/**
 * An engine that runs the model's ONNX bytes with the given onnxruntime module.
 *
 * @example
 * ```ts
 * import * as ort from 'onnxruntime-node';
 * const engine = onnxRuntimeEngine(ort, { name: 'onnxruntime-node' });
 * const decoded = await engine.run(modelBytes, latents, rows);
 * ```
 */
export function onnxRuntimeEngine(
  ort: OnnxRuntimeModule,
  options: OnnxRuntimeEngineOptions = {},
): DecoderEngine {
  const sessions = new WeakMap<Uint8Array, Promise<OnnxRuntimeSession>>();
  const sessionOf = (model: Uint8Array): Promise<OnnxRuntimeSession> => {
    let session = sessions.get(model);
    if (!session) {
      session = ort.InferenceSession.create(model, { ...BASIC_OPTIMIZATIONS, ...options.sessionOptions });
      sessions.set(model, session);
      session.catch(() => sessions.delete(model)); // a failed load is retried, not cached
    }
    return session;
  };
  return {
    name: options.name ?? 'onnxruntime',
    canonical: false,
    async run(model, input, batch) {
      if (batch === 0 && input.length === 0) return new Float32Array(0);
      const session = await sessionOf(model);
      const [inputName] = session.inputNames;
      const [outputName] = session.outputNames;
      if (session.inputNames.length !== 1 || session.outputNames.length !== 1 || !inputName || !outputName) {
        throw malformedModel('the ONNX graph must have one input and one output');
      }
      if (!Number.isSafeInteger(batch) || batch < 1 || input.length % batch !== 0) {
        throw new RangeError(`input of ${input.length} values does not split into ${batch} rows`);
      }
      const results = await session.run({
        [inputName]: new ort.Tensor('float32', input, [batch, input.length / batch]),
      });
      const data = results[outputName]?.data;
      if (!(data instanceof Float32Array)) {
        throw malformedModel('the ONNX graph output is not float32');
      }
      return data;
    },
    async release(model) {
      const session = sessions.get(model);
      sessions.delete(model);
      if (session) await (await session).release();
    },
  };
}

function malformedModel(reason: string): BalerError {
  const section = 'section "model"';
  return new BalerError(
    'MalformedSection',
    { section, reason },
    `Malformed .baler file: ${section}: ${reason}.`,
  );
}
