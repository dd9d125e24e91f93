// How far another engine's output of a file's decoder network may lie from the canonical one (SPEC.md
// §11.4). The canonical kernels fix one order of float32 operations; onnxruntime and friends sum in other
// orders, block the loops, and fuse multiply-adds. Any such evaluation in binary32 stays within a bound
// that follows from the standard error analysis of dot products (Higham, "Accuracy and Stability of
// Numerical Algorithms", §3.1): |fl(b + Σ x_i w_i) − (b + Σ x_i w_i)| ≤ γ_{n+1} (|b| + Σ |x_i w_i|) with
// γ_k = k·u / (1 − k·u), u = 2⁻²⁴, in whatever order. The writer computes the bound for every network
// output of the file and quantizes model-predicted values so that they stay within their error bound
// for any output within it, so decoding with such an engine still meets every bound.

import { canonicalActivation, runDenseNetwork } from './canonical.ts';
import type { Activation, DenseNetwork } from './dense-network.ts';

const UNIT_ROUNDOFF = 2 ** -24;
/** Absolute error of one float32 operation whose result is subnormal (half the smallest subnormal). */
const UNDERFLOW = 2 ** -150;
/**
 * What an engine's own tanh or sigmoid may differ from the exact function, absolute (outputs lie in
 * [−1, 1]): onnxruntime's vectorized approximations are accurate to a few float32 ulps; this allows 64.
 */
export const ACTIVATION_TOLERANCE = 2 ** -18;
/**
 * Rounds a binary64 bound up past the roundings its own computation made: a sum of n + 2 non-negative
 * binary64 terms errs by less than (n + 2)·2⁻⁵³ relative, so (n + 4)·2⁻⁵² covers it at any width.
 */
const safety = (inputs: number) => 1 + (inputs + 4) * 2 ** -52;

/**
 * The network's canonical output `[rows][outputs]` (bit-identical to runDenseNetwork) and, per output, a
 * bound on |out' − out| for any evaluation `out'` of the same network on the same input in binary32 with
 * any order of summation and optional fused multiply-adds, with tanh and sigmoid within
 * ACTIVATION_TOLERANCE of the exact functions. The bound is float32, rounded up.
 */
export function runWithEngineBound(
  network: DenseNetwork,
  input: Float32Array,
  rows: number,
): { out: Float32Array; bound: Float32Array } {
  let x = input;
  let error = new Float64Array(input.length); // the input is the same for every engine
  for (const layer of network.layers) {
    const { inputs, outputs, weight, bias } = layer;
    const y = runDenseNetwork({ layers: [{ ...layer, activation: 'linear' }] }, x, rows);
    const gamma = ((inputs + 1) * UNIT_ROUNDOFF) / (1 - (inputs + 1) * UNIT_ROUNDOFF);
    const rounding = safety(inputs);
    const next = new Float64Array(rows * outputs);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < outputs; o++) {
        let magnitude = Math.abs(bias[o]!); // Σ |terms| of the engine's sum, its inputs perturbed
        let propagated = 0; // Σ |w| × (how far the engine's input may be off)
        for (let i = 0; i < inputs; i++) {
          const w = Math.abs(weight[i * outputs + o]!);
          const e = error[r * inputs + i]!;
          magnitude += (Math.abs(x[r * inputs + i]!) + e) * w;
          propagated += w * e;
        }
        // Both the canonical and the other evaluation err by up to γ · magnitude from the exact sum, and
        // by (n + 1) subnormal roundings each, (1 + γ)-inflated through the sum (hence 4, not 2).
        const sum = propagated + 2 * gamma * magnitude + 4 * (inputs + 1) * UNDERFLOW;
        const e = activationBound(layer.activation, layer.alpha, y[r * outputs + o]!, sum * rounding);
        next[r * outputs + o] = e * rounding;
      }
    }
    // The canonical layer output is its pre-activation through the canonical activation (§11.1).
    x = y.map((v) => canonicalActivation(layer.activation, v, layer.alpha));
    error = next;
  }
  return { out: x, bound: Float32Array.from(error, roundUpToFloat32) };
}

const BITS = new Float32Array(1);
const BITS_U32 = new Uint32Array(BITS.buffer);

/** The least float32 ≥ x, for x ≥ 0 (a bound must never round down). */
export function roundUpToFloat32(x: number): number {
  BITS[0] = x;
  if (BITS[0]! >= x || !Number.isFinite(x)) return BITS[0]!;
  BITS_U32[0] = BITS_U32[0]! + 1; // the next float32 up, for positive values
  return BITS[0]!;
}

/** How far the activation's output may be off when its input `y` may be off by `e`. */
function activationBound(activation: Activation, alpha: number, y: number, e: number): number {
  switch (activation) {
    case 'linear':
      return e;
    case 'leaky-relu': {
      // 1-Lipschitz for |alpha| ≤ 1 (else |alpha|); the product alpha·y is rounded once by each engine.
      const a = Math.abs(alpha);
      return Math.max(1, a) * e + 2 * UNIT_ROUNDOFF * a * (Math.abs(y) + e) + 2 * UNDERFLOW;
    }
    case 'tanh':
      return e + 2 * ACTIVATION_TOLERANCE;
    case 'sigmoid':
      return e / 4 + 2 * ACTIVATION_TOLERANCE;
  }
}
