// Exports a DenseNetwork as the ONNX model a .baler file carries in its `model` section (SPEC.md
// §11.2): per layer MatMul + Add and an optional LeakyRelu / Tanh / Sigmoid, initializers stored as
// little-endian raw_data (weights as float32, or float16 + Cast, or int8 + Cast + Mul by one scale per
// output), and a symbolic batch dimension. onnxruntime in any language runs it as is, and
// @baler/format's parseDenseOnnx reads the exact weights back for the canonical kernels.
import type { Activation, DenseNetwork } from '@baler/format';
import { validateDenseNetwork } from '@baler/format';
import { ProtoWriter } from './protobuf-writer.ts';

export interface OnnxExportOptions {
  /** Name of the graph input, [batch, inputs] float32. Default "latent". */
  inputName?: string;
  /** Name of the graph output, [batch, outputs] float32. Default "output". */
  outputName?: string;
  /** Default-domain opset version, 13 … 21. Default 13. */
  opset?: number;
  /** Name of the symbolic batch dimension. Default "batch". */
  batchDimension?: string;
  /**
   * How the MatMul weights are stored: `float32` (default, exact), `float16` (half the bytes; rounded to
   * nearest) or `int8` (a quarter; symmetric per-output scales). Biases stay float32. The network a
   * decoder runs is what `parseDenseOnnx` reads back, so compute residuals against that, not `network`.
   */
  weightPrecision?: WeightPrecision;
}

export type WeightPrecision = 'float32' | 'float16' | 'int8';
export const WEIGHT_PRECISIONS: readonly WeightPrecision[] = ['float32', 'float16', 'int8'];

/** ONNX TensorProto.DataType FLOAT, INT8, FLOAT16; AttributeProto.AttributeType FLOAT, INT. */
const FLOAT = 1;
const INT8 = 3;
const FLOAT16 = 10;
const ATTRIBUTE_INT = 2;
const ACTIVATION_OPS: Record<Activation, string | undefined> = {
  linear: undefined,
  'leaky-relu': 'LeakyRelu',
  tanh: 'Tanh',
  sigmoid: 'Sigmoid',
};

/** The lowest IR version that may carry a model of this opset (onnx/helper.py VERSION_TABLE). */
function irVersionFor(opset: number): number {
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/**
 * Serializes `network` as ONNX. The bytes are a pure function of the network and options (no timestamps
 * or random ids), so the same network always gives the same `model` section.
 */
export function denseNetworkToOnnx(network: DenseNetwork, options: OnnxExportOptions = {}): Uint8Array {
  const {
    inputName = 'latent',
    outputName = 'output',
    opset = 13,
    batchDimension = 'batch',
    weightPrecision = 'float32',
  } = options;
  validateDenseNetwork(network);
  if (!WEIGHT_PRECISIONS.includes(weightPrecision)) {
    throw new RangeError(
      `weight precision "${weightPrecision}" is not one of ${WEIGHT_PRECISIONS.join(', ')}`,
    );
  }
  const first = network.layers[0];
  const last = network.layers.at(-1);
  if (!first || !last) throw new RangeError('cannot export a dense network without layers');
  if (!Number.isInteger(opset) || opset < 13 || opset > 21)
    throw new RangeError(`opset ${opset} is not in 13 … 21`);
  if (inputName === '' || outputName === '' || inputName === outputName) {
    throw new RangeError('input and output names must be non-empty and different');
  }
  for (const name of [inputName, outputName]) {
    if (/^layer\d+\./.test(name)) throw new RangeError(`"${name}" collides with the exporter's value names`);
  }

  const graph = new ProtoWriter();
  let cursor = inputName;
  network.layers.forEach((layer, k) => {
    if (!Object.hasOwn(ACTIVATION_OPS, layer.activation)) {
      throw new RangeError(`layer ${k}: unknown activation "${layer.activation}"`);
    }
    if (layer.activation === 'leaky-relu' && !Number.isFinite(layer.alpha)) {
      throw new RangeError(`layer ${k}: leaky-relu alpha ${layer.alpha} is not finite`);
    }
    const op = ACTIVATION_OPS[layer.activation];
    const isLast = k === network.layers.length - 1;
    const weight = `layer${k}.weight`;
    const bias = `layer${k}.bias`;
    const product = `layer${k}.matmul`;
    const sum = isLast && !op ? outputName : `layer${k}.add`;
    if (weightPrecision === 'float16') {
      graph.message(1, castToFloat(`${weight}.float16`, weight, `layer${k}/Cast`));
    } else if (weightPrecision === 'int8') {
      // Cast + Mul rather than DequantizeLinear: onnxruntime fuses DequantizeLinear → MatMul into a matmul
      // on dynamically quantized activations (errors ~1e-2), while Cast + Mul stays a float32 product.
      graph.message(1, castToFloat(`${weight}.int8`, `${weight}.codes`, `layer${k}/Cast`));
      graph.message(1, node('Mul', [`${weight}.codes`, `${weight}.scale`], weight, `layer${k}/Mul`));
    }
    graph.message(1, node('MatMul', [cursor, weight], product, `layer${k}/MatMul`));
    graph.message(1, node('Add', [product, bias], sum, `layer${k}/Add`));
    cursor = sum;
    if (op) {
      const result = isLast ? outputName : `layer${k}.${op.toLowerCase()}`;
      const activation = node(op, [sum], result, `layer${k}/${op}`);
      if (layer.activation === 'leaky-relu') {
        activation.message(5, new ProtoWriter().string(1, 'alpha').float(2, layer.alpha).varint(20, FLOAT));
      }
      graph.message(1, activation);
      cursor = result;
    }
  });
  graph.string(2, 'baler-decoder');
  network.layers.forEach((layer, k) => {
    const dims = [layer.inputs, layer.outputs];
    const weight = `layer${k}.weight`;
    if (weightPrecision === 'float16') {
      graph.message(5, tensor(`${weight}.float16`, dims, FLOAT16, float16Bytes(layer.weight)));
    } else if (weightPrecision === 'int8') {
      const { codes, scales } = int8Codes(layer.weight, layer.outputs);
      graph.message(5, tensor(`${weight}.int8`, dims, INT8, new Uint8Array(codes.buffer)));
      graph.message(5, tensor(`${weight}.scale`, [layer.outputs], FLOAT, littleEndianBytes(scales)));
    } else {
      graph.message(5, tensor(weight, dims, FLOAT, littleEndianBytes(layer.weight)));
    }
    graph.message(5, tensor(`layer${k}.bias`, [layer.outputs], FLOAT, littleEndianBytes(layer.bias)));
  });
  graph.message(11, valueInfo(inputName, batchDimension, first.inputs));
  graph.message(12, valueInfo(outputName, batchDimension, last.outputs));

  return new ProtoWriter()
    .varint(1, irVersionFor(opset))
    .string(2, 'baler')
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').varint(2, opset))
    .finish();
}

function castToFloat(input: string, output: string, name: string): ProtoWriter {
  const to = new ProtoWriter().string(1, 'to').varint(3, FLOAT).varint(20, ATTRIBUTE_INT);
  return node('Cast', [input], output, name).message(5, to);
}

function node(op: string, inputs: string[], output: string, name: string): ProtoWriter {
  const writer = new ProtoWriter();
  for (const input of inputs) writer.string(1, input);
  return writer.string(2, output).string(3, name).string(4, op);
}

function tensor(name: string, dims: number[], dataType: number, raw: Uint8Array): ProtoWriter {
  const writer = new ProtoWriter();
  for (const d of dims) writer.varint(1, d);
  return writer.varint(2, dataType).string(8, name).bytes(9, raw);
}

/** Symmetric int8 codes with one float32 scale per output column (max |w| ↦ 127). */
function int8Codes(weight: Float32Array, outputs: number): { codes: Int8Array; scales: Float32Array } {
  const scales = new Float32Array(outputs);
  for (let i = 0; i < weight.length; i++) {
    const o = i % outputs;
    scales[o] = Math.max(scales[o]!, Math.abs(weight[i]!));
  }
  for (let o = 0; o < outputs; o++) {
    const scale = Math.fround(scales[o]! / 127);
    scales[o] = scale > 0 && Number.isFinite(scale) ? scale : 1; // an all-zero column still needs a finite scale
  }
  const codes = Int8Array.from(weight, (w, i) =>
    Math.max(-127, Math.min(127, Math.round(w / scales[i % outputs]!))),
  );
  return { codes, scales };
}

/** IEEE binary16 bit patterns of the weights (round to nearest, ties to even), little-endian. */
function float16Bytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setUint16(2 * i, float16Bits(values[i]!), true);
  return bytes;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The binary16 nearest to a binary32 value (ties to even; overflow to ±Infinity, NaN kept NaN). */
export function float16Bits(value: number): number {
  F32[0] = value;
  const x = U32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal (or zero) in binary16: shift the full significand, rounding to nearest even.
    if (e < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - e;
    const half = significand >>> shift;
    const rest = significand & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (half + (rest > midpoint || (rest === midpoint && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and reaches Infinity at the top).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

function valueInfo(name: string, batchDimension: string, width: number): ProtoWriter {
  const shape = new ProtoWriter()
    .message(1, new ProtoWriter().string(2, batchDimension))
    .message(1, new ProtoWriter().varint(1, width));
  const tensorType = new ProtoWriter().varint(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

const BIG_ENDIAN_HOST = new Uint8Array(Uint32Array.of(1).buffer)[0] === 0;

/** The exact bits of the weights (NaN payloads and −0 included), little-endian. */
function littleEndianBytes(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  if (BIG_ENDIAN_HOST) for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  return bytes;
}
