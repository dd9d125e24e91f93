import type { Activation } from '@baler/format';
import { isBalerError, parseDenseOnnx, runDenseNetwork } from '@baler/format';
import { randomDenseNetwork, randomInput } from '@baler/format/testing';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ProtoWriter } from './protobuf-writer.ts';
import { denseNetworkToOnnx, float16Bits, WEIGHT_PRECISIONS } from './to-onnx.ts';

/** Index of the first value whose bits differ (−1 when identical); vitest's toEqual is slow on 500k values. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let k = 0; k < ua.length; k++) if (ua[k] !== ub[k]) return k;
  return -1;
}

/** numpy.allclose's rule: |actual − expected| ≤ atol + rtol·|expected|; returns the worst ratio to it. */
function worstTolerance(actual: Float32Array, expected: Float32Array, rtol = 1e-5, atol = 1e-6): number {
  let worst = 0;
  for (let k = 0; k < expected.length; k++) {
    const e = expected[k]!;
    worst = Math.max(worst, Math.abs(actual[k]! - e) / (atol + rtol * Math.abs(e)));
  }
  return worst;
}

// Baler's decoders: the LHCb table (latent 13 → 26 columns) and a CFD field (latent 25 → 2500 values).
const BALER_SHAPES: [string, number[], Activation[]][] = [
  ['13-50-100-200-26', [13, 50, 100, 200, 26], ['leaky-relu', 'leaky-relu', 'leaky-relu', 'linear']],
  ['25-50-100-200-2500', [25, 50, 100, 200, 2500], ['leaky-relu', 'leaky-relu', 'leaky-relu', 'linear']],
  ['13-50-100-26 tanh/sigmoid', [13, 50, 100, 26], ['tanh', 'sigmoid', 'linear']],
  ['8-16-4 sigmoid output', [8, 16, 4], ['leaky-relu', 'sigmoid']],
];

describe('denseNetworkToOnnx', () => {
  it.each(BALER_SHAPES)('round-trips %s through parseDenseOnnx bit for bit', (_, shape, activations) => {
    const network = randomDenseNetwork(shape, activations, 3);
    network.layers[0]!.weight[0] = -0;
    network.layers[0]!.weight[1] = Number.NaN;
    const back = parseDenseOnnx(denseNetworkToOnnx(network));
    expect(back.layers.length).toBe(network.layers.length);
    back.layers.forEach((layer, k) => {
      const original = network.layers[k]!;
      expect([layer.inputs, layer.outputs, layer.activation]).toEqual([
        original.inputs,
        original.outputs,
        original.activation,
      ]);
      expect(layer.alpha).toBe(original.activation === 'leaky-relu' ? Math.fround(original.alpha) : 0);
      expect(firstBitDifference(layer.weight, original.weight)).toBe(-1);
      expect(firstBitDifference(layer.bias, original.bias)).toBe(-1);
    });
  });

  it('is deterministic and names the graph values as documented', () => {
    const network = randomDenseNetwork([4, 3, 2], ['tanh', 'linear'], 9);
    const bytes = denseNetworkToOnnx(network, { inputName: 'z', outputName: 'x_hat' });
    expect(denseNetworkToOnnx(network, { inputName: 'z', outputName: 'x_hat' })).toEqual(bytes);
    const text = new TextDecoder('latin1').decode(bytes);
    for (const name of [
      'baler',
      'z',
      'x_hat',
      'batch',
      'layer0.weight',
      'layer1.bias',
      'MatMul',
      'Add',
      'Tanh',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('refuses what it cannot export', () => {
    const network = randomDenseNetwork([4, 3], ['linear'], 1);
    expect(() => denseNetworkToOnnx({ layers: [] })).toThrow(RangeError);
    expect(() => denseNetworkToOnnx(network, { opset: 12 })).toThrow(RangeError);
    expect(() => denseNetworkToOnnx(network, { inputName: 'a', outputName: 'a' })).toThrow(RangeError);
    expect(() => denseNetworkToOnnx(network, { inputName: 'layer0.matmul' })).toThrow(RangeError);
    const bad = { layers: [{ ...network.layers[0]!, activation: 'relu' as Activation }] };
    expect(() => denseNetworkToOnnx(bad)).toThrow(/unknown activation/);
    const nanAlpha = {
      layers: [{ ...network.layers[0]!, activation: 'leaky-relu' as const, alpha: Number.NaN }],
    };
    expect(() => denseNetworkToOnnx(nanAlpha)).toThrow(/alpha/);
  });

  it.each([13, 17, 21])('writes opset %i models that onnxruntime and the reader accept', async (opset) => {
    const network = randomDenseNetwork([5, 6, 3], ['leaky-relu', 'linear'], opset);
    const bytes = denseNetworkToOnnx(network, { opset });
    expect(parseDenseOnnx(bytes).layers.length).toBe(2);
    const session = await ort.InferenceSession.create(bytes);
    const input = randomInput(10, 1);
    const result = await session.run({ latent: new ort.Tensor('float32', input, [2, 5]) });
    expect(result.output!.dims).toEqual([2, 3]);
    await session.release();
  });
});

describe('reduced-precision weights', () => {
  it('rounds float32 to binary16 to nearest, ties to even, over every binary16 value', () => {
    const known: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00], // halfway to the next binade: ties to even overflows to +Infinity
      [2 ** -24, 0x0001],
      [2 ** -25, 0x0000], // halfway between 0 and the smallest subnormal: even is 0
      [3 * 2 ** -25, 0x0002],
      [-0, 0x8000],
      [Number.POSITIVE_INFINITY, 0x7c00],
      [1 + 2 ** -11, 0x3c00], // tie, even mantissa stays
      [1 + 3 * 2 ** -11, 0x3c02], // tie, odd mantissa rounds up
    ];
    for (const [value, bits] of known) expect([value, float16Bits(value)]).toEqual([value, bits]);
    expect(float16Bits(Number.NaN) & 0x7e00).toBe(0x7e00);
    // The reader widens binary16 exactly: these values survive a float16 model unchanged.
    const exact = Float32Array.of(1, 65504, 2 ** -24, -0, -1.5, 0.0999755859375);
    const layer = {
      inputs: 1,
      outputs: 6,
      weight: exact,
      bias: new Float32Array(6),
      activation: 'linear' as const,
      alpha: 0,
    };
    const back = parseDenseOnnx(denseNetworkToOnnx({ layers: [layer] }, { weightPrecision: 'float16' }));
    expect(firstBitDifference(back.layers[0]!.weight, exact)).toBe(-1);
    // Every finite binary16 value rounds to itself.
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue;
      const sign = bits & 0x8000 ? -1 : 1;
      const e = (bits >> 10) & 0x1f;
      const f = bits & 0x3ff;
      const value = e === 0 ? sign * f * 2 ** -24 : sign * (1024 + f) * 2 ** (e - 25);
      if (float16Bits(value) !== bits) throw new Error(`binary16 ${bits.toString(16)} does not round-trip`);
    }
  });

  it.each(['float16', 'int8'] as const)(
    'stores %s weights in fewer bytes, read back as the documented float32 values, run alike by onnxruntime',
    async (precision) => {
      const [, shape, activations] = BALER_SHAPES[0]!;
      const network = randomDenseNetwork(shape, activations, 21);
      const full = denseNetworkToOnnx(network);
      const bytes = denseNetworkToOnnx(network, { weightPrecision: precision });
      const weights = network.layers.reduce((n, l) => n + l.weight.length, 0);
      expect(full.length - bytes.length).toBeGreaterThan(weights * (precision === 'float16' ? 1.9 : 2.9));
      const back = parseDenseOnnx(bytes);
      back.layers.forEach((layer, k) => {
        const original = network.layers[k]!;
        expect(firstBitDifference(layer.bias, original.bias)).toBe(-1);
        let worst = 0;
        let scaleOf = 0;
        for (let i = 0; i < layer.weight.length; i++) {
          worst = Math.max(worst, Math.abs(layer.weight[i]! - original.weight[i]!));
          scaleOf = Math.max(scaleOf, Math.abs(original.weight[i]!));
        }
        // Half an ulp of binary16 (relative 2^-11), or half an int8 step of the largest weight.
        expect(worst).toBeLessThanOrEqual(
          scaleOf * (precision === 'float16' ? 2 ** -11 : 0.5 / 127) * 1.0001,
        );
        expect(worst).toBeGreaterThan(0);
      });
      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
      const batch = 33;
      const input = randomInput(batch * shape[0]!, 4);
      const result = await session.run({ latent: new ort.Tensor('float32', input, [batch, shape[0]!]) });
      expect(
        worstTolerance(result.output!.data as Float32Array, runDenseNetwork(back, input, batch)),
      ).toBeLessThan(1);
      await session.release();
    },
  );

  it.each(['float16', 'int8'] as const)(
    'reads %s weights after a layer without activation (the next Cast starts a layer)',
    (weightPrecision) => {
      const network = randomDenseNetwork([4, 6, 5, 3], ['linear', 'linear', 'tanh'], 2);
      const back = parseDenseOnnx(denseNetworkToOnnx(network, { weightPrecision }));
      expect(back.layers.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([
        [4, 6, 'linear'],
        [6, 5, 'linear'],
        [5, 3, 'tanh'],
      ]);
    },
  );

  it('rejects an unknown precision', () => {
    const network = randomDenseNetwork([4, 3], ['linear'], 1);
    expect(WEIGHT_PRECISIONS).toEqual(['float32', 'float16', 'int8']);
    // biome-ignore lint/suspicious/noExplicitAny: an invalid value on purpose
    expect(() => denseNetworkToOnnx(network, { weightPrecision: 'int4' as any })).toThrow(/int4/);
  });
});

describe('parity with onnxruntime', () => {
  it.each(BALER_SHAPES)(
    'onnxruntime-node runs %s within 1e-5 relative / 1e-6 absolute',
    async (_, shape, acts) => {
      const network = randomDenseNetwork(shape, acts, 11);
      const session = await ort.InferenceSession.create(denseNetworkToOnnx(network), {
        intraOpNumThreads: 1,
      });
      expect([session.inputNames, session.outputNames]).toEqual([['latent'], ['output']]);
      for (const batch of [60, 1, 7]) {
        const input = randomInput(batch * shape[0]!, batch);
        const result = await session.run({ latent: new ort.Tensor('float32', input, [batch, shape[0]!]) });
        const actual = result.output!.data as Float32Array;
        expect(result.output!.dims).toEqual([batch, shape.at(-1)]);
        const worst = worstTolerance(actual, runDenseNetwork(network, input, batch));
        if (process.env.BALER_PRINT_PARITY)
          console.log(`${_} batch ${batch}: worst |Δ| / (1e-6 + 1e-5·|y|) = ${worst}`);
        expect(worst).toBeLessThanOrEqual(1);
      }
      await session.release();
    },
  );

  it('onnxruntime-web (WebAssembly) loads and runs it in Node too, at every weight precision', async () => {
    const web = await import('onnxruntime-web');
    web.env.wasm.numThreads = 1;
    const [name, shape, activations] = BALER_SHAPES[0]!;
    const network = randomDenseNetwork(shape, activations, 5);
    for (const weightPrecision of WEIGHT_PRECISIONS) {
      const bytes = denseNetworkToOnnx(network, { weightPrecision });
      const session = await web.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
      const input = randomInput(60 * shape[0]!, 2);
      const result = await session.run({ latent: new web.Tensor('float32', input, [60, shape[0]!]) });
      const canonical = runDenseNetwork(parseDenseOnnx(bytes), input, 60);
      expect(
        worstTolerance(result.output!.data as Float32Array, canonical),
        `${name} ${weightPrecision}`,
      ).toBeLessThanOrEqual(1);
      await session.release();
    }
  }, 30_000);
});

describe('parseDenseOnnx rejects models outside the subset', () => {
  // Hand-built variants of a valid 2 → 2 model, each breaking one rule of SPEC.md §11.2.
  const weight = new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer);
  const bias = new Uint8Array(Float32Array.of(0.5, -0.5).buffer);
  const tensor = (name: string, dims: number[], raw: Uint8Array, dataType = 1) => {
    const t = new ProtoWriter();
    for (const d of dims) t.varint(1, d);
    return t.varint(2, dataType).string(8, name).bytes(9, raw);
  };
  const node = (op: string, inputs: string[], output: string, domain?: string) => {
    const n = new ProtoWriter();
    for (const i of inputs) n.string(1, i);
    n.string(2, output).string(4, op);
    if (domain !== undefined) n.string(7, domain);
    return n;
  };
  const intAttribute = (name: string, value: number) =>
    new ProtoWriter().string(1, name).varint(3, value).varint(20, 2);
  const valueInfo = (name: string, width: number, elemType = 1) =>
    new ProtoWriter()
      .string(1, name)
      .message(
        2,
        new ProtoWriter().message(
          1,
          new ProtoWriter()
            .varint(1, elemType)
            .message(
              2,
              new ProtoWriter()
                .message(1, new ProtoWriter().string(2, 'batch'))
                .message(1, new ProtoWriter().varint(1, width)),
            ),
        ),
      );
  interface Variant {
    nodes?: ProtoWriter[];
    initializers?: ProtoWriter[];
    inputs?: ProtoWriter[];
    outputs?: ProtoWriter[];
    opset?: number;
    domain?: string;
    ir?: number;
    extraGraph?: (g: ProtoWriter) => void;
  }
  /** An int8 weight widened by Cast + Mul (§11.2), its scale initializer `S` as given. */
  const int8Weight = (scaleDims: number[], scales: number[]): Variant => ({
    nodes: [
      node('Cast', ['Wq'], 'Wc').message(5, intAttribute('to', 1)),
      node('Mul', ['Wc', 'S'], 'W'),
      node('MatMul', ['x', 'W'], 'h'),
      node('Add', ['h', 'B'], 'y'),
    ],
    initializers: [
      tensor('Wq', [2, 2], Uint8Array.of(1, 2, 3, 4), 3),
      tensor('S', scaleDims, new Uint8Array(Float32Array.from(scales).buffer)),
      tensor('B', [2], bias),
    ],
  });
  const model = (v: Variant = {}) => {
    const g = new ProtoWriter();
    for (const n of v.nodes ?? [node('MatMul', ['x', 'W'], 'h'), node('Add', ['h', 'B'], 'y')])
      g.message(1, n);
    for (const t of v.initializers ?? [tensor('W', [2, 2], weight), tensor('B', [2], bias)]) g.message(5, t);
    for (const i of v.inputs ?? [valueInfo('x', 2)]) g.message(11, i);
    for (const o of v.outputs ?? [valueInfo('y', 2)]) g.message(12, o);
    v.extraGraph?.(g);
    return new ProtoWriter()
      .varint(1, v.ir ?? 8)
      .message(7, g)
      .message(8, new ProtoWriter().string(1, v.domain ?? '').varint(2, v.opset ?? 13))
      .finish();
  };
  const tagOf = (bytes: Uint8Array): string => {
    try {
      parseDenseOnnx(bytes);
      return 'ok';
    } catch (error) {
      if (isBalerError(error)) return `${error._tag}: ${error.message}`;
      throw error;
    }
  };

  it('accepts the hand-built base model', async () => {
    const network = parseDenseOnnx(model());
    expect(runDenseNetwork(network, Float32Array.of(1, 1), 1)).toEqual(Float32Array.of(4.5, 5.5));
    // onnxruntime agrees that the hand-built model is valid ONNX.
    const session = await ort.InferenceSession.create(model());
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 1), [1, 2]) });
    expect(out.y!.data).toEqual(Float32Array.of(4.5, 5.5));
  });

  it.each<[string, Variant, RegExp]>([
    [
      'another operator',
      { nodes: [node('MatMul', ['x', 'W'], 'h'), node('Add', ['h', 'B'], 'a'), node('Relu', ['a'], 'y')] },
      /Unsupported.*ONNX operator "Relu"/,
    ],
    ['Gemm instead of MatMul + Add', { nodes: [node('Gemm', ['x', 'W', 'B'], 'y')] }, /Unsupported.*"Gemm"/],
    [
      'a custom domain',
      { nodes: [node('MatMul', ['x', 'W'], 'h', 'com.example'), node('Add', ['h', 'B'], 'y')] },
      /Unsupported.*domain/,
    ],
    [
      'float16 weights without a Cast',
      { initializers: [tensor('W', [2, 2], weight.subarray(0, 8), 10), tensor('B', [2], bias)] },
      /MalformedSection.*"W" is FLOAT16, expected FLOAT/,
    ],
    [
      'a Cast to another type',
      {
        nodes: [
          node('Cast', ['W16'], 'W').message(5, intAttribute('to', 11)),
          node('MatMul', ['x', 'W'], 'h'),
          node('Add', ['h', 'B'], 'y'),
        ],
        initializers: [tensor('W16', [2, 2], weight.subarray(0, 8), 10), tensor('B', [2], bias)],
      },
      /MalformedSection.*to = FLOAT/,
    ],
    [
      'int8 weights scaled per input row',
      int8Weight([2, 1], [0.5, 0.25]),
      /MalformedSection.*"S" has shape \[2,1\], expected \[2\]/,
    ],
    ['an infinite int8 scale', int8Weight([2], [0.5, Number.POSITIVE_INFINITY]), /MalformedSection.*finite/],
    [
      'a Cast whose output the MatMul does not use',
      {
        nodes: [
          node('Cast', ['W16'], 'V').message(5, intAttribute('to', 1)),
          node('MatMul', ['x', 'W'], 'h'),
          node('Add', ['h', 'B'], 'y'),
        ],
        initializers: [
          tensor('W16', [2, 2], weight.subarray(0, 8), 10),
          tensor('W', [2, 2], weight),
          tensor('B', [2], bias),
        ],
      },
      /MalformedSection.*does not use the Cast/,
    ],
    ['a float64 input', { inputs: [valueInfo('x', 2, 11)] }, /Unsupported.*DOUBLE/],
    ['opset 12', { opset: 12 }, /Unsupported.*opset version "12"/],
    ['opset 22', { opset: 22 }, /Unsupported.*opset version "22"/],
    ['an ML domain opset', { domain: 'ai.onnx.ml' }, /Unsupported.*domain/],
    ['IR version 3', { ir: 3 }, /Unsupported.*IR version/],
    [
      'weights of the wrong shape',
      { initializers: [tensor('W', [4, 1], weight), tensor('B', [2], bias)] },
      /MalformedSection.*shape|MalformedSection.*expected/,
    ],
    [
      'too few weight bytes',
      { initializers: [tensor('W', [2, 2], weight.subarray(0, 12)), tensor('B', [2], bias)] },
      /MalformedSection.*data bytes/,
    ],
    [
      'a huge declared dimension',
      { initializers: [tensor('W', [2, 2 ** 40], weight), tensor('B', [2], bias)] },
      /MalformedSection.*dimension/,
    ],
    [
      'a missing bias',
      { initializers: [tensor('W', [2, 2], weight)] },
      /MalformedSection.*not an initializer/,
    ],
    [
      'an unused initializer',
      { initializers: [tensor('W', [2, 2], weight), tensor('B', [2], bias), tensor('C', [2], bias)] },
      /MalformedSection.*never used/,
    ],
    [
      'a duplicated initializer',
      { initializers: [tensor('W', [2, 2], weight), tensor('B', [2], bias), tensor('B', [2], bias)] },
      /MalformedSection.*twice/,
    ],
    ['two graph inputs', { inputs: [valueInfo('x', 2), valueInfo('x2', 2)] }, /MalformedSection.*one input/],
    ['the wrong output name', { outputs: [valueInfo('h', 2)] }, /MalformedSection.*not the last layer/],
    ['the wrong output width', { outputs: [valueInfo('y', 3)] }, /MalformedSection.*output must be/],
    ['the wrong input width', { inputs: [valueInfo('x', 3)] }, /MalformedSection/],
    [
      'a value defined twice',
      { nodes: [node('MatMul', ['x', 'W'], 'h'), node('Add', ['h', 'B'], 'h')] },
      /MalformedSection.*defined twice/,
    ],
    [
      'Add inputs swapped',
      { nodes: [node('MatMul', ['x', 'W'], 'h'), node('Add', ['B', 'h'], 'y')] },
      /MalformedSection.*Add input 0/,
    ],
    [
      'a skipped value',
      { nodes: [node('MatMul', ['x', 'W'], 'h'), node('Add', ['x', 'B'], 'y')] },
      /MalformedSection/,
    ],
    [
      'a MatMul without Add',
      { nodes: [node('MatMul', ['x', 'W'], 'y')] },
      /MalformedSection.*not followed by an Add/,
    ],
    ['no nodes', { nodes: [] }, /MalformedSection/],
    ['a sparse initializer', { extraGraph: (g) => g.message(15, new ProtoWriter()) }, /Unsupported.*sparse/],
  ])('%s', (_, variant, message) => {
    expect(tagOf(model(variant))).toMatch(message);
  });

  it('accepts float_data instead of raw_data, and rejects external data', () => {
    const floats = new ProtoWriter().varint(1, 2).varint(1, 2).varint(2, 1).string(8, 'W');
    for (const v of [1, 2, 3, 4]) floats.float(4, v); // unpacked float_data
    const network = parseDenseOnnx(model({ initializers: [floats, tensor('B', [2], bias)] }));
    expect(network.layers[0]!.weight).toEqual(Float32Array.of(1, 2, 3, 4));
    const external = tensor('W', [2, 2], weight).varint(14, 1);
    expect(tagOf(model({ initializers: [external, tensor('B', [2], bias)] }))).toMatch(
      /Unsupported.*external/,
    );
  });

  it('reads LeakyRelu alpha, defaulting to 0.01, and rejects other attributes', () => {
    const leaky = (attribute?: ProtoWriter) => {
      const n = node('LeakyRelu', ['a'], 'y');
      if (attribute) n.message(5, attribute);
      return model({ nodes: [node('MatMul', ['x', 'W'], 'h'), node('Add', ['h', 'B'], 'a'), n] });
    };
    expect(parseDenseOnnx(leaky()).layers[0]!.alpha).toBe(Math.fround(0.01));
    const alpha = new ProtoWriter().string(1, 'alpha').float(2, 0.3).varint(20, 1);
    expect(parseDenseOnnx(leaky(alpha)).layers[0]!.alpha).toBe(Math.fround(0.3));
    const beta = new ProtoWriter().string(1, 'beta').float(2, 0.3).varint(20, 1);
    expect(tagOf(leaky(beta))).toMatch(/MalformedSection.*unknown attribute/);
    const intAlpha = new ProtoWriter().string(1, 'alpha').varint(3, 1).varint(20, 2);
    expect(tagOf(leaky(intAlpha))).toMatch(/MalformedSection.*FLOAT/);
  });
});
