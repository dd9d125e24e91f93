import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { randomDenseNetwork, randomInput, seededRandom } from '../testing.ts';
import { canonicalActivation, denseNetworkFlops, runDenseNetwork, singleRowRunner } from './canonical.ts';
import type { Activation, DenseNetwork } from './dense-network.ts';
import { parseDenseOnnx } from './onnx.ts';
import { wasmKernelAvailable } from './wasm-kernel.ts';

const fround = Math.fround;

/** The canonical rules written as plainly as possible: one output at a time, Math.fround on every step. */
function reference(network: DenseNetwork, input: Float32Array, batch: number): Float32Array {
  let x = input;
  for (const layer of network.layers) {
    const y = new Float32Array(batch * layer.outputs);
    for (let r = 0; r < batch; r++) {
      for (let o = 0; o < layer.outputs; o++) {
        let acc = layer.bias[o]!;
        for (let i = 0; i < layer.inputs; i++) {
          acc = fround(acc + fround(x[r * layer.inputs + i]! * layer.weight[i * layer.outputs + o]!));
        }
        y[r * layer.outputs + o] = canonicalActivation(layer.activation, acc, layer.alpha);
      }
    }
    x = y;
  }
  return x;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return a.length === b.length && ua.every((v, k) => v === ub[k]);
}

function hexToFloat(hex: string): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, Number.parseInt(hex, 16));
  return view.getFloat32(0);
}

function floatToHex(x: number): string {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  return view.getUint32(0).toString(16).padStart(8, '0');
}

describe('runDenseNetwork', () => {
  it.each([
    [[13, 50, 100, 200, 26], 60],
    [[25, 50, 100, 200, 2500], 7],
    [[3, 1, 4], 0],
    [[5, 7], 1],
    [[9, 17, 3], 5],
    [[1, 33, 8], 13],
    [[3, 1000, 5], 1100], // more rows than one slice of the SIMD kernel's memory
  ])('matches the plain per-output reference bit for bit (%j, batch %i), on both kernels', (shape, batch) => {
    const activations: Activation[] = ['leaky-relu', 'tanh', 'sigmoid', 'linear'].slice(
      -(shape.length - 1),
    ) as Activation[];
    const network = randomDenseNetwork(shape, activations, 7);
    const input = randomInput(batch * shape[0]!, 8);
    const expected = reference(network, input, batch);
    expect(sameBits(runDenseNetwork(network, input, batch), expected)).toBe(true);
    expect(sameBits(runDenseNetwork(network, input, batch, { kernel: 'js' }), expected)).toBe(true);
  });

  it('uses the WebAssembly SIMD kernel in Node (so the test above covers it)', () => {
    expect(wasmKernelAvailable()).toBe(true);
  });

  it('gives the same bits on both kernels for extreme values: ±0, subnormals, overflow, NaN', () => {
    const random = seededRandom(99);
    const pick = () => {
      const specials = [
        0,
        -0,
        1e-45,
        -1e-40,
        3e38,
        -3e38,
        1e-20,
        65504,
        Number.NaN,
        Number.POSITIVE_INFINITY,
      ];
      return random() < 0.3 ? specials[Math.floor(random() * specials.length)]! : (random() - 0.5) * 8;
    };
    const network: DenseNetwork = {
      layers: [
        {
          inputs: 6,
          outputs: 11,
          activation: 'leaky-relu',
          alpha: 0.3,
          weight: new Float32Array(66),
          bias: new Float32Array(11),
        },
        {
          inputs: 11,
          outputs: 5,
          activation: 'linear',
          alpha: 0,
          weight: new Float32Array(55),
          bias: new Float32Array(5),
        },
      ],
    };
    for (const layer of network.layers) {
      layer.weight = layer.weight.map(pick);
      layer.bias = layer.bias.map(pick);
    }
    const input = Float32Array.from({ length: 6 * 9 }, pick);
    const a = runDenseNetwork(network, input, 9);
    const b = runDenseNetwork(network, input, 9, { kernel: 'js' });
    // NaN bit patterns are unspecified (SPEC.md §11.1): compare NaN as NaN, everything else by bits.
    a.forEach((v, k) => {
      if (Number.isNaN(v)) expect(b[k]).toBeNaN();
      else expect(Object.is(v, b[k])).toBe(true);
    });
  });

  it.each(['auto', 'js'] as const)(
    'runs one row at a time (singleRowRunner, %s kernel) with the reference bits',
    (kernel) => {
      // Widths that are not multiples of the kernel's 8 outputs, every activation, extreme inputs.
      const network = randomDenseNetwork([27, 13, 9, 1], ['tanh', 'leaky-relu', 'linear'], 7);
      const run = singleRowRunner(network, { kernel });
      const random = seededRandom(3);
      const specials = [0, -0, 1e-45, -1e-40, 3e38, 1e-20, Number.NaN];
      for (let r = 0; r < 200; r++) {
        const row = Float32Array.from({ length: 27 }, () =>
          random() < 0.1 ? specials[Math.floor(random() * specials.length)]! : (random() - 0.5) * 6,
        );
        const [got] = run(row);
        const [want] = reference(network, row, 1);
        if (Number.isNaN(want)) expect(got).toBeNaN();
        else expect(Object.is(got, want)).toBe(true);
      }
      expect(() => run(new Float32Array(26))).toThrow(/a row has 26 values; the network takes 27/);
    },
  );

  it('rounds every product and every sum to float32 (not once at the end)', () => {
    // 1 + 2^-24 + 2^-24: float32 sums in order lose both halves (ties to even); binary64 keeps them.
    const network: DenseNetwork = {
      layers: [
        {
          inputs: 2,
          outputs: 1,
          weight: Float32Array.of(2 ** -24, 2 ** -24),
          bias: Float32Array.of(1),
          activation: 'linear',
          alpha: 0,
        },
      ],
    };
    expect(runDenseNetwork(network, Float32Array.of(1, 1), 1)[0]).toBe(1);
    // A product that is not a float32: (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11.
    const square = {
      ...network.layers[0]!,
      inputs: 1,
      weight: Float32Array.of(1 + 2 ** -12),
      bias: Float32Array.of(0),
    };
    expect(runDenseNetwork({ layers: [square] }, Float32Array.of(1 + 2 ** -12), 1)[0]).toBe(1 + 2 ** -11);
  });

  it('adds the inputs in order i = 0, 1, …', () => {
    // (2^24 + 1) + 1 = 2^24 in float32 at each step, while 2^24 + (1 + 1) would be 2^24 + 2.
    const layer = {
      inputs: 3,
      outputs: 1,
      weight: Float32Array.of(1, 1, 1),
      bias: Float32Array.of(0),
      activation: 'linear' as const,
      alpha: 0,
    };
    expect(runDenseNetwork({ layers: [layer] }, Float32Array.of(2 ** 24, 1, 1), 1)[0]).toBe(2 ** 24);
    expect(runDenseNetwork({ layers: [layer] }, Float32Array.of(1, 1, 2 ** 24), 1)[0]).toBe(2 ** 24 + 2);
  });

  it('keeps −0 and subnormals (no flush to zero)', () => {
    const layer = {
      inputs: 1,
      outputs: 2,
      weight: Float32Array.of(1, 2 ** -10),
      bias: Float32Array.of(-0, 0),
      activation: 'leaky-relu' as const,
      alpha: 0.5,
    };
    const y = runDenseNetwork({ layers: [layer] }, Float32Array.of(-0, 2 ** -130), 2);
    expect(Object.is(y[0], -0)).toBe(true); // −0 + −0·1 = −0, and leaky-relu(−0) = −0
    expect(y[3]).toBe(2 ** -140); // a subnormal float32 product survives
  });

  it('rejects inputs of the wrong length and bad batches', () => {
    const network = randomDenseNetwork([3, 2], ['linear'], 1);
    expect(() => runDenseNetwork(network, new Float32Array(5), 2)).toThrow(RangeError);
    expect(() => runDenseNetwork(network, new Float32Array(3), 1.5)).toThrow(RangeError);
    expect(() => runDenseNetwork({ layers: [] }, new Float32Array(0), 0)).toThrow(RangeError);
  });

  it('counts two flops per weight', () => {
    expect(
      denseNetworkFlops(
        randomDenseNetwork([13, 50, 100, 200, 26], ['linear', 'linear', 'linear', 'linear'], 1),
      ),
    ).toBe(2 * (13 * 50 + 50 * 100 + 100 * 200 + 200 * 26));
  });
});

describe('canonical activations', () => {
  it('leaky-relu multiplies negatives by alpha rounded to float32', () => {
    expect(canonicalActivation('leaky-relu', -3, 0.1)).toBe(fround(fround(0.1) * -3));
    expect(canonicalActivation('leaky-relu', 3, 0.1)).toBe(3);
    expect(Object.is(canonicalActivation('leaky-relu', -0, 0.1), -0)).toBe(true);
    expect(canonicalActivation('linear', 0.1)).toBe(fround(0.1));
  });

  it('tanh and sigmoid are within 2 float32 ulps of the true values and exact at the limits', () => {
    for (let k = -4000; k <= 4000; k++) {
      const y = fround(k / 200);
      const t = canonicalActivation('tanh', y);
      const s = canonicalActivation('sigmoid', y);
      expect(Math.abs(t - Math.tanh(y))).toBeLessThanOrEqual(
        2 * 2 ** -24 * Math.max(Math.abs(Math.tanh(y)), 2 ** -126),
      );
      const sigmoid = 1 / (1 + Math.exp(-y));
      expect(Math.abs(s - sigmoid)).toBeLessThanOrEqual(2 * 2 ** -24 * sigmoid);
    }
    expect(canonicalActivation('tanh', Number.POSITIVE_INFINITY)).toBe(1);
    expect(canonicalActivation('tanh', -1e30)).toBe(-1);
    expect(Object.is(canonicalActivation('tanh', -0), -0)).toBe(true);
    expect(canonicalActivation('tanh', 1e-30)).toBe(fround(1e-30));
    expect(canonicalActivation('sigmoid', Number.NEGATIVE_INFINITY)).toBe(0);
    expect(canonicalActivation('sigmoid', -200)).toBe(0);
    expect(canonicalActivation('sigmoid', 200)).toBe(1);
    expect(canonicalActivation('sigmoid', 0)).toBe(0.5);
    for (const a of ['tanh', 'sigmoid', 'leaky-relu', 'linear'] as const) {
      expect(canonicalActivation(a, Number.NaN)).toBeNaN();
    }
  });
});

describe('conformance vectors (testdata/, regenerated by @baler/trainer)', () => {
  const vectors = JSON.parse(
    readFileSync(new URL('testdata/tiny-decoder.json', import.meta.url), 'utf8'),
  ) as {
    batch: number;
    input: string[];
    output: string[];
    activations: { activation: Activation; alpha: number; input: string; output: string }[];
  };

  it('the tiny decoder gives the recorded bits', () => {
    const network = parseDenseOnnx(
      new Uint8Array(readFileSync(new URL('testdata/tiny-decoder.onnx', import.meta.url))),
    );
    expect(network.layers.map((l) => l.activation)).toEqual(['leaky-relu', 'tanh', 'sigmoid', 'linear']);
    const output = runDenseNetwork(network, Float32Array.from(vectors.input, hexToFloat), vectors.batch);
    expect(Array.from(output, floatToHex)).toEqual(vectors.output);
  });

  it('every activation vector holds', () => {
    expect(vectors.activations.length).toBeGreaterThan(60);
    for (const v of vectors.activations) {
      expect(
        floatToHex(canonicalActivation(v.activation, hexToFloat(v.input), v.alpha)),
        JSON.stringify(v),
      ).toBe(v.output);
    }
  });
});
