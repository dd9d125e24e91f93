import { describe, expect, it } from 'vitest';
import { randomDenseNetwork, randomInput, seededRandom } from '../testing.ts';
import { runDenseNetwork } from './canonical.ts';
import type { Activation, DenseNetwork } from './dense-network.ts';
import { ACTIVATION_TOLERANCE, roundUpToFloat32, runWithEngineBound } from './engine-bound.ts';

const fround = Math.fround;

/**
 * Another engine: each output summed in a random order of its terms, in binary32, optionally fusing
 * multiply-adds (the product kept exact, one rounding per step), tanh and sigmoid off by up to the
 * tolerance an engine's own approximations are allowed.
 */
function otherEngine(network: DenseNetwork, input: Float32Array, rows: number, seed: number, fma: boolean) {
  const random = seededRandom(seed);
  let x = input;
  for (const layer of network.layers) {
    const { inputs, outputs, weight, bias } = layer;
    const y = new Float32Array(rows * outputs);
    const order = Array.from({ length: inputs }, (_, i) => i);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < outputs; o++) {
        for (let i = inputs - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1));
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        // The bias added first or last.
        const biasFirst = random() < 0.5;
        let acc = biasFirst ? bias[o]! : 0;
        for (const i of order) {
          const product = x[r * inputs + i]! * weight[i * outputs + o]!;
          acc = fma ? fround(acc + product) : fround(acc + fround(product));
        }
        y[r * outputs + o] = biasFirst ? acc : fround(acc + bias[o]!);
      }
    }
    x = activate(layer.activation, layer.alpha, y, random);
  }
  return x;
}

function activate(
  activation: Activation,
  alpha: number,
  y: Float32Array,
  random: () => number,
): Float32Array {
  const wobble = () => (random() * 2 - 1) * ACTIVATION_TOLERANCE;
  return y.map((v) => {
    if (activation === 'leaky-relu') return v < 0 ? fround(alpha) * v : v;
    if (activation === 'tanh') return Math.max(-1, Math.min(1, Math.tanh(v) + wobble()));
    if (activation === 'sigmoid') return Math.max(0, Math.min(1, 1 / (1 + Math.exp(-v)) + wobble()));
    return v;
  });
}

describe('runWithEngineBound', () => {
  // The last number: how large the bound may be against the typical |output| (a worst case, it grows
  // with depth and width; these random weights are larger than trained ones).
  const cases: [string, number[], Activation[], number][] = [
    [
      'LHCb-like 13-50-100-200-26, leaky-relu',
      [13, 50, 100, 200, 26],
      ['leaky-relu', 'leaky-relu', 'leaky-relu', 'linear'],
      0.1,
    ],
    ['tanh and sigmoid', [8, 40, 30, 12], ['tanh', 'sigmoid', 'linear'], 1e-3],
    ['wide output 6-32-500', [6, 32, 500], ['leaky-relu', 'linear'], 1e-3],
  ];

  it.each(cases)(
    '%s: canonical output unchanged, every other evaluation within the bound',
    (_, shape, acts, limit) => {
      const network = randomDenseNetwork(shape, acts, 5);
      const rows = 40;
      const input = randomInput(rows * shape[0]!, 8);
      const { out, bound } = runWithEngineBound(network, input, rows);
      expect(out).toEqual(runDenseNetwork(network, input, rows));
      let worstRatio = 0;
      for (const [seed, fma] of [
        [1, false],
        [2, true],
        [3, false],
        [4, true],
      ] as const) {
        const other = otherEngine(network, input, rows, seed, fma);
        for (let k = 0; k < out.length; k++) {
          const deviation = Math.abs(other[k]! - out[k]!);
          if (!(deviation <= bound[k]!))
            throw new Error(`output ${k}: |Δ| = ${deviation} > bound ${bound[k]}`);
          worstRatio = Math.max(worstRatio, deviation / bound[k]!);
        }
      }
      expect(worstRatio).toBeGreaterThan(0); // the engines did differ
      const typical = out.reduce((s, v) => s + Math.abs(v), 0) / out.length;
      const largest = bound.reduce((m, b) => Math.max(m, b), 0);
      if (process.env.BALER_PRINT_BOUND) console.log(_, { typical, largest, worstRatio });
      expect(largest).toBeLessThan(typical * limit);
    },
  );
});

describe('roundUpToFloat32', () => {
  it('gives the least float32 at or above a binary64 value', () => {
    const random = seededRandom(3);
    for (let k = 0; k < 10_000; k++) {
      const x = random() * 2 ** (Math.floor(random() * 60) - 40);
      const up = roundUpToFloat32(x);
      expect(Math.fround(up)).toBe(up);
      expect(up).toBeGreaterThanOrEqual(x);
      // The float32 just below is below x: the next one down from `up`.
      const below = new Float32Array([up]);
      new Uint32Array(below.buffer)[0]! -= 1;
      if (up > 0) expect(below[0]!).toBeLessThan(x);
    }
    expect(roundUpToFloat32(0)).toBe(0);
    expect(roundUpToFloat32(1)).toBe(1);
    expect(roundUpToFloat32(1e300)).toBe(Number.POSITIVE_INFINITY);
  });
});
