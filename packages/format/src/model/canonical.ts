// The canonical decoding kernels (SPEC.md §11.1): THE computation of a dense decoder network that
// the encoder computes residuals against, so every decoder, in any language, must reproduce it bit for
// bit. Only IEEE-754 float32 products and sums (each rounded to float32, no fused multiply-add) in a
// fixed order, and binary64 +, −, ×, ÷ for tanh and sigmoid; never an engine's own exp or tanh.
import { canonicalExp2 } from '../quantize/exp2.ts';
import type { Activation, DenseLayer, DenseNetwork } from './dense-network.ts';
import { validateDenseNetwork } from './dense-network.ts';
import { denseLayerWasm, residentLayers } from './wasm-kernel.ts';

const fround = Math.fround;

/** The binary64 nearest log2(e) (bits 0x3FF71547652B82FE). */
const LOG2E = Math.LOG2E;
/** Below this |y|, tanh uses its odd Taylor polynomial: 1 − e^(−2|y|) would cancel catastrophically. */
const TANH_SMALL = 2 ** -5;
const TANH_C3 = 1 / 3;
const TANH_C5 = 2 / 15;
const TANH_C7 = 17 / 315;
const TANH_C9 = 62 / 2835;

/**
 * Runs `network` on `batch` rows of `input` (row-major [batch][inputs]) and returns the [batch][outputs]
 * result. Bit-exact by definition: per layer, output o of a row is
 * `acc = bias[o]; for i = 0 … inputs−1: acc = fround(acc + fround(x[i] × w[i·outputs + o]))`, then the
 * activation (see {@link canonicalActivation}).
 *
 * Runs on a WebAssembly SIMD kernel where available (bit-identical, several times faster), else on the
 * plain JavaScript loop; `{ kernel: 'js' }` forces the latter. The network is treated as frozen: the SIMD
 * kernel caches a rearranged copy of each weight array, so do not modify weights in place between calls.
 */
export function runDenseNetwork(
  network: DenseNetwork,
  input: Float32Array,
  batch: number,
  options: { kernel?: 'auto' | 'js' } = {},
): Float32Array {
  validateDenseNetwork(network);
  const first = network.layers[0];
  if (!first) throw new RangeError('dense network has no layers');
  if (!Number.isSafeInteger(batch) || batch < 0) throw new RangeError(`batch ${batch} is not an integer ≥ 0`);
  if (input.length !== batch * first.inputs) {
    throw new RangeError(`input has ${input.length} values; ${batch} rows × ${first.inputs} inputs expected`);
  }
  let x = input;
  for (const layer of network.layers) {
    const y = new Float32Array(batch * layer.outputs);
    const { weight, bias, inputs, outputs } = layer;
    if (options.kernel === 'js' || !denseLayerWasm(weight, bias, inputs, outputs, x, batch, y)) {
      denseLayer(layer, x, batch, y);
    }
    activate(layer.activation, layer.alpha, y);
    x = y;
  }
  return x;
}

/**
 * Runs `network` on one row at a time, into buffers allocated once: for predictors that need the network
 * once per value (SPEC.md §7.2.1 `stencil-network`). The returned array is reused by the next call.
 * The weights go into a WebAssembly instance of the network's own once (residentLayers), so a value costs
 * a row copy per layer; the plain JavaScript loop where SIMD is unavailable. Both are canonical.
 */
export function singleRowRunner(
  network: DenseNetwork,
  options: { kernel?: 'auto' | 'js' } = {},
): (input: Float32Array) => Float32Array {
  validateDenseNetwork(network);
  const width = network.layers[0]?.inputs ?? 0;
  const checked = (input: Float32Array) => {
    if (input.length !== width)
      throw new RangeError(`a row has ${input.length} values; the network takes ${width}`);
    return input;
  };
  const resident = options.kernel === 'js' ? undefined : residentLayers(network.layers);
  if (resident) {
    // The layers live in WebAssembly memory: each call copies a row in, runs, activates in place.
    return (input) => {
      let x = checked(input);
      network.layers.forEach((layer, k) => {
        const { input: row, output, run } = resident[k]!;
        row.set(x);
        run();
        activate(layer.activation, layer.alpha, output);
        x = output;
      });
      return x;
    };
  }
  // Weights transposed to [outputs][inputs], so each output's sum runs over contiguous memory into a
  // local accumulator.
  const layers = network.layers.map((layer) => {
    const { inputs, outputs, weight } = layer;
    const transposed = new Float32Array(inputs * outputs);
    for (let i = 0; i < inputs; i++)
      for (let o = 0; o < outputs; o++) transposed[o * inputs + i] = weight[i * outputs + o]!;
    return { layer, transposed, y: new Float32Array(outputs) };
  });
  return (input) => singleRowJs(layers, checked(input));
}

/** The plain JavaScript single-row path: `layers` with weights transposed to [outputs][inputs]. */
function singleRowJs(
  layers: readonly { layer: DenseLayer; transposed: Float32Array; y: Float32Array }[],
  input: Float32Array,
): Float32Array {
  let x = input;
  for (const { layer, transposed, y } of layers) {
    const { inputs, outputs, bias } = layer;
    let o = 0;
    // Four outputs at a time: four independent dependency chains keep the core busy, while each
    // output still adds its products in input order (SPEC.md §11.1).
    for (; o + 4 <= outputs; o += 4) {
      const w0 = o * inputs;
      const w1 = w0 + inputs;
      const w2 = w1 + inputs;
      const w3 = w2 + inputs;
      let a0 = bias[o]!;
      let a1 = bias[o + 1]!;
      let a2 = bias[o + 2]!;
      let a3 = bias[o + 3]!;
      for (let i = 0; i < inputs; i++) {
        const xi = x[i]!;
        a0 = fround(a0 + fround(xi * transposed[w0 + i]!));
        a1 = fround(a1 + fround(xi * transposed[w1 + i]!));
        a2 = fround(a2 + fround(xi * transposed[w2 + i]!));
        a3 = fround(a3 + fround(xi * transposed[w3 + i]!));
      }
      y[o] = a0;
      y[o + 1] = a1;
      y[o + 2] = a2;
      y[o + 3] = a3;
    }
    for (; o < outputs; o++) {
      let acc = bias[o]!;
      for (let i = 0, at = o * inputs; i < inputs; i++, at++)
        acc = fround(acc + fround(x[i]! * transposed[at]!));
      y[o] = acc;
    }
    activate(layer.activation, layer.alpha, y);
    x = y;
  }
  return x;
}

/** Floating-point operations of one row through `network`: a multiply and an add per weight. */
export function denseNetworkFlops(network: DenseNetwork): number {
  return network.layers.reduce((sum, layer) => sum + 2 * layer.inputs * layer.outputs, 0);
}

/**
 * y = x·W + b in the canonical order. Four rows share each weight load (the weights stay [inputs][outputs],
 * walked row by row, so memory is read contiguously); `y` itself is the accumulator. Every store into the
 * Float32Array rounds to float32, so `y[o] = y[o] + fround(x·w)` is exactly `fround(acc + fround(x·w))`
 * (the sum of two float32 values rounded to binary64 then float32 equals the float32 sum: 53 ≥ 2·24 + 2).
 */
function denseLayer(layer: DenseLayer, x: Float32Array, batch: number, y: Float32Array): void {
  const { inputs, outputs, weight: w, bias: b } = layer;
  let r = 0;
  for (; r + 4 <= batch; r += 4) {
    const y0 = r * outputs;
    const y1 = y0 + outputs;
    const y2 = y1 + outputs;
    const y3 = y2 + outputs;
    for (let o = 0; o < outputs; o++) {
      const bo = b[o]!;
      y[y0 + o] = bo;
      y[y1 + o] = bo;
      y[y2 + o] = bo;
      y[y3 + o] = bo;
    }
    const xa = r * inputs;
    for (let i = 0; i < inputs; i++) {
      const x0 = x[xa + i]!;
      const x1 = x[xa + inputs + i]!;
      const x2 = x[xa + 2 * inputs + i]!;
      const x3 = x[xa + 3 * inputs + i]!;
      const wo = i * outputs;
      for (let o = 0; o < outputs; o++) {
        const wv = w[wo + o]!;
        y[y0 + o] = y[y0 + o]! + fround(x0 * wv);
        y[y1 + o] = y[y1 + o]! + fround(x1 * wv);
        y[y2 + o] = y[y2 + o]! + fround(x2 * wv);
        y[y3 + o] = y[y3 + o]! + fround(x3 * wv);
      }
    }
  }
  for (; r < batch; r++) {
    const yo = r * outputs;
    const xo = r * inputs;
    for (let o = 0; o < outputs; o++) y[yo + o] = b[o]!;
    for (let i = 0; i < inputs; i++) {
      const xi = x[xo + i]!;
      const wo = i * outputs;
      for (let o = 0; o < outputs; o++) y[yo + o] = y[yo + o]! + fround(xi * w[wo + o]!);
    }
  }
}

function activate(activation: Activation, alpha: number, y: Float32Array): void {
  switch (activation) {
    case 'linear':
      return;
    case 'leaky-relu': {
      const a = fround(alpha);
      for (let k = 0; k < y.length; k++) {
        const v = y[k]!;
        if (v < 0) y[k] = a * v; // the store rounds to float32
      }
      return;
    }
    case 'tanh':
      for (let k = 0; k < y.length; k++) y[k] = canonicalTanh(y[k]!);
      return;
    case 'sigmoid':
      for (let k = 0; k < y.length; k++) y[k] = canonicalSigmoid(y[k]!);
      return;
    default:
      throw new RangeError(`unknown activation "${activation as string}"`);
  }
}

/** The canonical activation of one float32 value `y` (alpha is leaky-relu's slope), as a float32. */
export function canonicalActivation(activation: Activation, y: number, alpha = 0): number {
  const v = fround(y);
  switch (activation) {
    case 'linear':
      return v;
    case 'leaky-relu':
      return v < 0 ? fround(fround(alpha) * v) : v;
    case 'tanh':
      return canonicalTanh(v);
    case 'sigmoid':
      return canonicalSigmoid(v);
    default:
      throw new RangeError(`unknown activation "${activation as string}"`);
  }
}

/** tanh of a float32 in binary64 arithmetic, rounded once to float32 at the end. */
function canonicalTanh(y: number): number {
  if (Number.isNaN(y)) return y;
  const m = Math.abs(y);
  let t: number;
  if (m < TANH_SMALL) {
    const s = m * m;
    t = m * (1 - s * (TANH_C3 - s * (TANH_C5 - s * (TANH_C7 - s * TANH_C9))));
  } else if (m === Number.POSITIVE_INFINITY) {
    t = 1;
  } else {
    const e = canonicalExp2(-2 * m * LOG2E); // in (0, 1]: never overflows
    t = (1 - e) / (1 + e);
  }
  return fround(y < 0 ? -t : y === 0 ? y : t); // keeps the sign of −0
}

/** sigmoid of a float32 in binary64 arithmetic, rounded once to float32 at the end. */
function canonicalSigmoid(y: number): number {
  if (Number.isNaN(y)) return y;
  if (y === Number.POSITIVE_INFINITY) return 1;
  if (y === Number.NEGATIVE_INFINITY) return 0;
  return fround(1 / (1 + canonicalExp2(-y * LOG2E)));
}
