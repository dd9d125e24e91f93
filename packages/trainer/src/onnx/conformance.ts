// The conformance vectors of the canonical kernels (SPEC.md §11.1): a tiny decoder with every
// activation, exported as ONNX, and the bits runDenseNetwork gives for a fixed input. They are committed
// under packages/format/src/model/testdata/ so that an implementation in another language can check itself
// against them; conformance.test.ts regenerates them (BALER_UPDATE_FIXTURES=1) or checks they are current.
import type { Activation, DenseNetwork } from '@baler/format';
import { canonicalActivation, runDenseNetwork } from '@baler/format';
import { randomDenseNetwork, seededRandom } from '@baler/format/testing';
import { denseNetworkToOnnx } from './to-onnx.ts';

/** 3 → 5 leaky-relu → 4 tanh → 4 sigmoid → 2 linear, with −0, a subnormal and exact-tie-prone weights. */
export function conformanceNetwork(): DenseNetwork {
  const random = seededRandom(20260101);
  const shape = [3, 5, 4, 4, 2];
  const activations: Activation[] = ['leaky-relu', 'tanh', 'sigmoid', 'linear'];
  const layers = activations.map((activation, k) => {
    const inputs = shape[k]!;
    const outputs = shape[k + 1]!;
    const scale = Math.sqrt(6 / (inputs + outputs)) * 2;
    const weight = Float32Array.from({ length: inputs * outputs }, () => (random() - 0.5) * scale);
    const bias = Float32Array.from({ length: outputs }, () => (random() - 0.5) * 0.2);
    return { inputs, outputs, weight, bias, activation, alpha: activation === 'leaky-relu' ? 0.2 : 0 };
  });
  layers[0]!.weight[1] = -0;
  layers[0]!.weight[2] = 1e-40; // subnormal float32
  layers[1]!.bias[0] = -0;
  return { layers };
}

/** Inputs of the network vector: rows of 3 with ±0, a subnormal, large values that saturate, tiny ones. */
export function conformanceInput(): { batch: number; input: Float32Array } {
  const rows = [
    [0, -0, 0],
    [1, -1, 0.5],
    [1e-40, -3.5, 2.25],
    [100, -100, 1e-3],
    [-0.1, 0.2, -0.3],
    [3.4e38, 0, -1e-30],
  ];
  return { batch: rows.length, input: Float32Array.from(rows.flat()) };
}

/** Inputs of the activation vectors: every branch of the canonical tanh and sigmoid, and their edges. */
export const ACTIVATION_INPUTS = [
  0,
  -0,
  1e-45,
  -1e-40,
  1e-7,
  -0.001,
  0.03125,
  0.031249998,
  -0.03125,
  0.5,
  -1,
  1,
  2.5,
  -7,
  9.01,
  15,
  -20,
  40,
  88.7,
  -104,
  120,
  3.4e38,
  -3.4e38,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
];

export interface ConformanceVectors {
  description: string;
  model: string;
  batch: number;
  /** float32 bit patterns as 8 hex digits, row-major [batch][inputs]. */
  input: string[];
  /** float32 bit patterns of runDenseNetwork's result, row-major [batch][outputs]. */
  output: string[];
  activations: { activation: Activation; alpha: number; input: string; output: string }[];
}

export function conformanceFiles(): { onnx: Uint8Array; vectors: ConformanceVectors } {
  const network = conformanceNetwork();
  const { batch, input } = conformanceInput();
  const activations: ConformanceVectors['activations'] = [];
  for (const activation of ['tanh', 'sigmoid', 'leaky-relu'] as const) {
    for (const x of ACTIVATION_INPUTS) {
      const alpha = activation === 'leaky-relu' ? Math.fround(0.01) : 0;
      activations.push({
        activation,
        alpha,
        input: bits(x),
        output: bits(canonicalActivation(activation, x, alpha)),
      });
    }
  }
  return {
    onnx: denseNetworkToOnnx(network),
    vectors: {
      description:
        'Canonical dense-network conformance vectors (SPEC.md §11.1): each float32 as its bit pattern, 8 hex digits of the uint32.',
      model: 'tiny-decoder.onnx',
      batch,
      input: Array.from(input, bits),
      output: Array.from(runDenseNetwork(network, input, batch), bits),
      activations,
    },
  };
}

/** The float32 bit pattern of `x` as 8 hex digits. */
export function bits(x: number): string {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  return view.getUint32(0).toString(16).padStart(8, '0');
}

/**
 * The network of the format's `stencil-network` tests (SPEC.md §7.2.1): 5 neighbours → 6 tanh → 1 linear,
 * seeded. Committed as `stencil-network.onnx` beside the vectors, since the format has no ONNX writer.
 */
export function stencilNetworkFixture(): Uint8Array {
  return denseNetworkToOnnx(randomDenseNetwork([5, 6, 1], ['tanh', 'linear'], 20261124), {
    inputName: 'neighbours',
    outputName: 'correction',
  });
}
